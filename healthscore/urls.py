from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from healthscore import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("metrics", views.metrics, name="metrics"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("api/", include("support.api_urls")),
    path("", include("playbooks.urls")),
    path("", include("scoring.urls")),
    path("", include("support.urls")),
    path("", include("accounts.urls")),
]
