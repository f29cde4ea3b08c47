"""The webhook endpoint every helpdesk posts to: /integrations/<public id>/webhook."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from accounts.capabilities import Cap, checked_inside
from integrations.models import Integration
from integrations.services import DeliveryRefused, delivery_receive, request_from_django


def _error(status: int, field: str, message: str) -> JsonResponse:
    return JsonResponse({"detail": f"{field}: {message}", "errors": {field: message}}, status=status)


# No session or CSRF here: a helpdesk authenticates with its signature, Basic auth or our API token.
@checked_inside(Cap.SIGNED_DELIVERY)
@csrf_exempt
@require_POST
def webhook(request: HttpRequest, public_id: str) -> JsonResponse:
    integration = Integration.objects.filter(public_id=public_id, active=True).first()
    if integration is None:
        return _error(404, "integration", "no active integration at this URL")
    try:
        result = delivery_receive(integration=integration, request=request_from_django(request))
    except DeliveryRefused as exc:
        response = _error(exc.status, exc.field, exc.message)
        if exc.status == 401:
            response["WWW-Authenticate"] = 'Basic realm="healthscore"' if integration.vendor == "freshdesk" else "Signature"
        return response
    return JsonResponse(result.as_json(), status=201 if result.created else 200)
