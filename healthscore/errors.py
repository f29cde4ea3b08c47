"""One exception → response mapping for the whole site (pages, API, badge).

Every failure that is the caller's fault or the database's absence gets a clear
status instead of a 500 and a traceback:

- ``BadInput`` (healthscore.bounds) → 400 naming the field;
- a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` → 413 naming the body;
- a NUL character in a URL part or query parameter → 400 naming it (PostgreSQL text cannot hold NUL,
  so such a value would otherwise fail inside the first query);
- ``django.db.DataError`` (a value the database cannot store: too long, out of range) → 400, a safety
  net behind the explicit bounds;
- a lost or refused database connection (``OperationalError``, ``InterfaceError``) → 503 with
  ``Retry-After``.

API requests (under ``/api/``, or asking for JSON only) get JSON; pages get a small plain page that is
rendered without the request context, so it needs no database. The DRF views use
``api_exception_handler``; every other view goes through ``ErrorResponseMiddleware``; anything that
still escapes (an exception in another middleware) reaches ``server_error`` (handler500), which maps
it the same way.
"""

from __future__ import annotations

import logging
import sys

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import DataError, InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.views import defaults
from rest_framework.exceptions import ParseError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from healthscore.bounds import BadInput

logger = logging.getLogger("healthscore.errors")

API_PREFIX = "/api/"
RETRY_AFTER_SECONDS = 30
DB_UNAVAILABLE = "The database is unavailable; retry in a moment."
DB_VALUE = "A value is too long or out of range for where it is stored; nothing was saved."


class Mapped:
    """The response an exception maps to, independent of how it is rendered."""

    def __init__(self, status: int, detail: str, errors: dict[str, str] | None = None, headers: dict | None = None):
        self.status = status
        self.detail = detail
        self.errors = errors
        self.headers = headers or {}

    def payload(self) -> dict:
        return {"detail": self.detail} | ({"errors": self.errors} if self.errors else {})


def map_exception(exc: BaseException | None) -> Mapped | None:
    """The mapped response for ``exc``, or None when it is a real server error."""
    if isinstance(exc, BadInput):
        return Mapped(400, exc.detail, exc.errors)
    if isinstance(exc, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return Mapped(413, f"body: larger than the limit of {limit} bytes.", {"body": f"at most {limit} bytes"})
    if isinstance(exc, DataError):
        logger.warning("Refused a value the database cannot store: %s", exc)
        return Mapped(400, DB_VALUE)
    if isinstance(exc, OperationalError | InterfaceError):
        logger.error("Database unavailable: %s", exc)
        return Mapped(503, DB_UNAVAILABLE, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
    return None


def wants_json(request: HttpRequest) -> bool:
    if request.path.startswith(API_PREFIX):
        return True
    accept = request.headers.get("Accept", "")
    return "application/json" in accept and "text/html" not in accept


def error_response(request: HttpRequest, mapped: Mapped) -> HttpResponse:
    if wants_json(request):
        response = JsonResponse(mapped.payload(), status=mapped.status)
    else:
        # No request context: context processors (the nav) would query the database.
        body = render_to_string("errors/error.html", {"status": mapped.status, "detail": mapped.detail,
                                                      "errors": mapped.errors})
        response = HttpResponse(body, status=mapped.status, content_type="text/html; charset=utf-8")
    for name, value in mapped.headers.items():
        response[name] = value
    return response


def _nul_in_query(request: HttpRequest) -> str | None:
    for name, values in request.GET.lists():
        if "\x00" in name or any("\x00" in v for v in values):
            return name.replace("\x00", "\\x00")
    return None


class ErrorResponseMiddleware:
    """Refuses NUL in query parameters and URL parts; maps view exceptions (see the module docstring)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        name = _nul_in_query(request)
        if name is not None:
            return error_response(request, Mapped(400, f"{name}: must not contain NUL characters",
                                                  {name: "must not contain NUL characters"}))
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        for name, value in view_kwargs.items():
            if isinstance(value, str) and "\x00" in value:
                return error_response(request, Mapped(400, f"{name}: must not contain NUL characters",
                                                      {name: "must not contain NUL characters"}))
        if any(isinstance(v, str) and "\x00" in v for v in view_args):
            return error_response(request, Mapped(400, "path: must not contain NUL characters",
                                                  {"path": "must not contain NUL characters"}))
        return None

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        mapped = map_exception(exception)
        return error_response(request, mapped) if mapped is not None else None


def api_exception_handler(exc, context):
    """DRF's EXCEPTION_HANDLER: DRF's own mapping, then ours, JSON always.

    A body that cannot be parsed is reported like a batch error of the whole body (index -1), the
    shape every operation documents for its 400 (the observations batch spells it out).
    """
    if isinstance(exc, ParseError):
        message = str(exc.detail)
        return Response({"detail": message, "errors": [{"index": -1, "field": "body", "message": message}]},
                        status=400)
    response = drf_exception_handler(exc, context)
    if response is not None:
        return response
    mapped = map_exception(exc)
    if mapped is None:
        return None
    set_rollback()
    return Response(mapped.payload(), status=mapped.status, headers=mapped.headers)


# --- handlers (healthscore/urls.py): JSON under /api/, Django's pages elsewhere ---------------------


def bad_request(request, exception=None):
    if wants_json(request):
        return JsonResponse({"detail": "Bad request."}, status=400)
    return defaults.bad_request(request, exception)


def permission_denied(request, exception=None):
    if wants_json(request):
        return JsonResponse({"detail": str(exception or "") or "Permission denied."}, status=403)
    return defaults.permission_denied(request, exception)


def page_not_found(request, exception=None):
    if wants_json(request):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    """handler500: still map what escaped the views (e.g. the database failing inside a middleware)."""
    mapped = map_exception(sys.exc_info()[1])
    if mapped is not None:
        return error_response(request, mapped)
    if wants_json(request):
        return JsonResponse({"detail": "Server error."}, status=500)
    return defaults.server_error(request)
