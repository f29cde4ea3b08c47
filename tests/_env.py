"""Test-run environment defaults, loaded as a plugin (-p tests._env) before pytest-django reads settings."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production-0123456789")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
# The suite serves static source files; the production test (tests/prod) runs collectstatic and the manifest.
os.environ.setdefault("STATIC_MANIFEST", "false")
# The test client and the live server speak plain HTTP: no redirect to HTTPS, no Secure-only cookies.
# The production defaults (DEBUG off) are checked in a clean process by tests/hardening/test_deploy_settings.py.
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("SESSION_COOKIE_SECURE", "false")
os.environ.setdefault("CSRF_COOKIE_SECURE", "false")
