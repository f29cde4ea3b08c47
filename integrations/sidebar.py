"""The server side of the sidebar apps (sidebar_apps/ in the repo).

- Zendesk and Freshdesk apps call ``GET /integrations/<id>/badge?email=`` through their vendor's proxy
  (ZAF ``client.request`` with ``secure: true``, Freshdesk request templates), which adds the sidebar key
  from a secure setting: the key never reaches an agent's browser, and it reads badges only.
- Intercom's Inbox app is a Canvas Kit endpoint: Intercom posts the conversation's contact, signed with
  ``X-Body-Signature`` (hex HMAC-SHA256 of the body with the app's client secret); we answer a canvas.
"""

from __future__ import annotations

import hmac
import json

from django.http import HttpRequest, JsonResponse
from django.utils.cache import patch_cache_control
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from accounts.capabilities import Cap, checked_inside
from integrations.base import hmac_digest, signature_matches
from integrations.models import Integration
from support.badges import badge_data
from support.selectors import account_by_email_or_domain


def _key_ok(integration: Integration, header: str) -> bool:
    scheme, _, key = header.partition(" ")
    if scheme != "Bearer" or not key.strip() or not integration.sidebar_key_hash:
        return False
    return hmac.compare_digest(Integration.hash_key(key.strip()), integration.sidebar_key_hash)


def _badge_for(email: str) -> dict:
    account = account_by_email_or_domain(email=email.strip().lower(), domain=None) if email.strip() else None
    return badge_data(account=account)


# Nobody gets in through a role or token here: only the integration's own sidebar key (or signature).
@checked_inside(Cap.SIGNED_DELIVERY)
@require_GET
def sidebar_badge(request: HttpRequest, public_id: str) -> JsonResponse:
    """The badge (JSON) of the requester's account, for a sidebar app that holds this integration's key."""
    integration = Integration.objects.filter(public_id=public_id, active=True).first()
    if integration is None or not _key_ok(integration, request.headers.get("Authorization", "")):
        return JsonResponse({"detail": "A valid sidebar app key is required."}, status=401)
    response = JsonResponse(_badge_for(request.GET.get("email", "")), json_dumps_params={"ensure_ascii": False})
    patch_cache_control(response, private=True, max_age=60)
    return response


def _canvas(badge: dict) -> dict:
    """Canvas Kit components for the badge: the tier and score, trend, owner, top reasons, a link."""
    components: list[dict] = [{"type": "text", "text": f"*{badge['label']}*", "style": "header"}]
    if badge.get("account"):
        components.append({"type": "text", "text": badge["account"]["name"], "style": "muted"})
    if badge.get("trend_label"):
        components.append({"type": "text", "text": f"Trend: {badge['trend_label']} {badge['trend_arrow']}".strip()})
    if badge.get("owner"):
        components.append({"type": "text", "text": f"Owner: {badge['owner']}"})
    for reason in badge.get("top_reasons") or []:
        components.append({"type": "text", "text": f"• {reason}"})
    if badge.get("url"):
        components.append({
            "type": "button", "id": "open-account", "label": "Open in Healthscore", "style": "secondary",
            "action": {"type": "url", "url": badge["url"]},
        })  # fmt: skip
    return {"canvas": {"content": {"components": components}}}


@checked_inside(Cap.SIGNED_DELIVERY)
@csrf_exempt
@require_POST
def intercom_canvas(request: HttpRequest, public_id: str) -> JsonResponse:
    """Canvas Kit initialize (and submit) URL of the Intercom Inbox app."""
    integration = Integration.objects.filter(public_id=public_id, active=True, vendor="intercom").first()
    if integration is None or not integration.secret:
        return JsonResponse({"detail": "no Intercom integration at this URL"}, status=404)
    expected = hmac_digest(integration.secret, request.body, "sha256").hex()
    if not signature_matches(expected, request.headers.get("X-Body-Signature", "").lower()):
        return JsonResponse({"detail": "X-Body-Signature does not match"}, status=401)
    try:
        body = json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return JsonResponse({"detail": "body: must be JSON"}, status=400)
    contact = body.get("contact") if isinstance(body, dict) and isinstance(body.get("contact"), dict) else {}
    email = contact.get("email") if isinstance(contact.get("email"), str) else ""
    return JsonResponse(_canvas(_badge_for(email)), json_dumps_params={"ensure_ascii": False})
