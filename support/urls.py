from __future__ import annotations

from django.urls import path

from support import admin_views, views

app_name = "support"

urlpatterns = [
    path("tickets/", views.tickets, name="tickets"),
    path("badge/", views.badge, name="badge_lookup"),
    path("badge/<str:external_id>", views.badge, name="badge"),
    path("imports/", admin_views.import_upload_view, name="import"),
    path("imports/<int:pk>/", admin_views.import_job_view, name="import_job"),
    path("imports/<int:pk>/mapping/", admin_views.import_mapping_view, name="import_mapping"),
    path("imports/<int:pk>/import/", admin_views.import_start_view, name="import_start"),
]
