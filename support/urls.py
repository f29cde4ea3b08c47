from __future__ import annotations

from django.urls import path

from support import admin_views, views

app_name = "support"

urlpatterns = [
    path("tickets/", views.tickets, name="tickets"),
    path("badge/", views.badge, name="badge_lookup"),
    path("badge/<str:external_id>", views.badge, name="badge"),
    path("imports/observations/", admin_views.observations_import_view, name="observations_import"),
    path("imports/observations/<int:pk>/", admin_views.observations_import_job_view, name="observations_import_job"),
]
