from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from accounts.capabilities import Cap, requires
from healthscore import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", requires(Cap.PUBLIC)(views.healthz), name="healthz"),
    path("readyz", requires(Cap.PUBLIC)(views.readyz), name="readyz"),
    path("metrics", views.metrics, name="metrics"),
    # Browsers ask for /favicon.ico on pages without a <link rel="icon"> (the admin's, files).
    path("favicon.ico", requires(Cap.PUBLIC)(views.favicon), name="favicon"),
    path("login/", requires(Cap.PUBLIC)(auth_views.LoginView.as_view()), name="login"),
    path("logout/", requires(Cap.PUBLIC)(auth_views.LogoutView.as_view()), name="logout"),
    path("admin/", admin.site.urls),
    path("api/", include("support.api_urls")),
    path("", include("playbooks.urls")),
    path("", include("scoring.urls")),
    path("", include("support.urls")),
    path("", include("integrations.urls")),
    path("", include("accounts.urls")),
]

# One exception -> response mapping (healthscore/errors.py): JSON under /api/, plain pages elsewhere.
handler400 = "healthscore.errors.bad_request"
handler403 = "healthscore.errors.permission_denied"
handler404 = "healthscore.errors.page_not_found"
handler500 = "healthscore.errors.server_error"
