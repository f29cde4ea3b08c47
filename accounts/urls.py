from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("accounts/", views.portfolio, name="portfolio"),
    path("accounts/export.csv", views.portfolio_export, name="portfolio_export"),
    path("overrides/", views.overrides, name="overrides"),
    path("views/", views.saved_view_new, name="saved_view_new"),
    path("views/<int:pk>/delete/", views.saved_view_delete, name="saved_view_delete"),
    path("accounts/<str:external_id>/", views.detail, name="detail"),
    path("accounts/<str:external_id>/override/", views.override_new, name="override"),
    path("accounts/<str:external_id>/sentiment/", views.sentiment_new, name="sentiment"),
    path("accounts/<str:external_id>/timeline/", views.timeline, name="timeline"),
]
