"""Login throttling: django-axes' backend, for logins that come with a request."""

from __future__ import annotations

from axes.backends import AxesStandaloneBackend


class LoginThrottleBackend(AxesStandaloneBackend):
    """Refuses a locked-out username/address pair before the password is even checked.

    Every web login (/login/, the admin) passes the request. ``authenticate()`` without one comes
    from our own code (a shell, a management command, a test), which has no address to throttle:
    it is left to the next backend instead of raising like the standalone backend does.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
