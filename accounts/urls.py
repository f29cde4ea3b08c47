from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("accounts/", views.portfolio, name="portfolio"),
    path("accounts/<str:external_id>/", views.detail, name="detail"),
    path("accounts/<str:external_id>/override/", views.override_new, name="override"),
]
