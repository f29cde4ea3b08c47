"""Health badges for helpdesk sidebars: what they show, signed embed URLs, who may see them."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core import signing
from django.urls import reverse

from accounts.access import visible_accounts
from accounts.capabilities import Cap, can
from accounts.models import Account
from scoring.changelog import score_text
from scoring.models import AccountScore
from support.api_auth import TokenAuthentication, active_token_get
from support.models import ApiToken
from support.selectors import TREND_ARROWS, account_by_email_or_domain

SIGNING_SALT = "support.badge"
TIER_COLOURS = {"green": "#1a7f37", "yellow": "#bf8700", "red": "#cf222e", None: "#6e7781"}


def _lookup(external_id: str | None, email: str | None, domain: str | None) -> dict[str, str]:
    if external_id:
        return {"a": external_id}
    if email:
        return {"e": email.strip().lower()}
    if domain:
        return {"d": domain.strip().lower()}
    raise ValueError("give an external id, an email or a domain")


# A minted link lives between a minute and a year (the admin or the API chooses).
BADGE_LIFETIME_MIN = 60
BADGE_LIFETIME_MAX = 366 * 24 * 3600


def badge_signature(
    *, external_id: str | None = None, email: str | None = None, domain: str | None = None,
    lifetime: int | None = None,
) -> str:
    """A signed token for one badge lookup. With ``lifetime`` (seconds) it carries its own expiry;
    without, it is valid for settings.BADGE_SIGNING_MAX_AGE."""
    payload: dict = _lookup(external_id, email, domain)
    if lifetime is not None:
        if not BADGE_LIFETIME_MIN <= lifetime <= BADGE_LIFETIME_MAX:
            raise ValueError(f"lifetime must be between {BADGE_LIFETIME_MIN} and {BADGE_LIFETIME_MAX} seconds")
        payload["x"] = int(time.time()) + int(lifetime)
    return signing.dumps(payload, salt=SIGNING_SALT, compress=True)


def badge_signed_url(
    *, external_id: str | None = None, email: str | None = None, domain: str | None = None,
    lifetime: int | None = None,
) -> str:
    """The absolute embeddable URL (put it in the helpdesk sidebar app's iframe)."""
    sig = badge_signature(external_id=external_id, email=email, domain=domain, lifetime=lifetime)
    if external_id:
        path, query = reverse("support:badge", args=[external_id]), {"sig": sig}
    else:
        path = reverse("support:badge_lookup")
        query = {"email": email, "sig": sig} if email else {"domain": domain, "sig": sig}
    return f"{settings.SITE_URL}{path}?{urlencode(query)}"


class BadgeDenied(Exception):
    def __init__(self, status: int, message: str):
        self.status = status
        self.message = message
        super().__init__(message)


@dataclass
class BadgeAccess:
    """Who is asking: a signed link, a read token, or a signed-in person with a role."""

    kind: str
    token: ApiToken | None = None
    user: Any = None


def badge_access(
    *, request, external_id: str | None, email: str | None, domain: str | None
) -> BadgeAccess:
    """Decide whether this request may see the badge; raise BadgeDenied (401/403) if not."""
    sig = request.GET.get("sig")
    if sig:
        try:
            payload = signing.loads(sig, salt=SIGNING_SALT)
            expires = payload.pop("x", None) if isinstance(payload, dict) else None
            if expires is None:  # a link without its own lifetime: the site's default
                signing.loads(sig, salt=SIGNING_SALT, max_age=settings.BADGE_SIGNING_MAX_AGE)
            elif not isinstance(expires, int) or expires < time.time():
                raise signing.SignatureExpired("expired")
        except signing.SignatureExpired:
            raise BadgeDenied(403, "This badge link has expired.") from None
        except signing.BadSignature:
            raise BadgeDenied(403, "This badge link is not valid.") from None
        try:
            wanted = _lookup(external_id, email, domain)
        except ValueError:
            raise BadgeDenied(403, "This badge link is not valid.") from None
        if payload != wanted:
            raise BadgeDenied(403, "This badge link is for another account.")
        return BadgeAccess("signed")
    key = request.GET.get("token")
    if not key:
        header = request.headers.get("Authorization", "")
        scheme, _, rest = header.partition(" ")
        if scheme in (TokenAuthentication.keyword, "Token") and rest.strip():
            key = rest.strip()
    if key:
        token = active_token_get(key)
        if token is None:
            raise BadgeDenied(401, "Invalid or revoked token.")
        if not token.scope_read:
            raise BadgeDenied(403, "This token lacks the 'read' scope.")
        return BadgeAccess("token", token=token)
    if request.user.is_authenticated and can(request.user, Cap.VIEW_BADGE):
        return BadgeAccess("user", user=request.user)
    if request.user.is_authenticated:
        raise BadgeDenied(403, "Your user has no Healthscore role.")
    raise BadgeDenied(401, "Sign in, or use a signed badge link or a read token.")


def badge_account(
    *, access: BadgeAccess, external_id: str | None, email: str | None, domain: str | None
) -> Account | None:
    """The account the badge is about, or None (shown as 'no health data')."""
    restricted = access.token.account if access.token is not None and access.token.account_id else None
    if restricted is not None and external_id and external_id != restricted.external_id:
        # Whether or not that account exists: a restricted token learns nothing about others.
        raise BadgeDenied(403, "This token is restricted to another account.")
    if external_id:
        account = Account.objects.filter(external_id=external_id).first()
    else:
        account = account_by_email_or_domain(email=email, domain=domain)
    if account is None:
        return None
    if access.token is not None and access.token.account_id not in (None, account.pk):
        # Looked up by email or domain: answer as for an unknown person, so a restricted token
        # cannot learn which addresses belong to other accounts.
        if not external_id:
            return None
        raise BadgeDenied(403, "This token is restricted to another account.")
    if access.user is not None and not visible_accounts(access.user).filter(pk=account.pk).exists():
        return None
    return account


def _account_url(external_id: str) -> str:
    return f"{settings.SITE_URL}{reverse('accounts:detail', args=[external_id])}"


def badge_data(*, account: Account | None) -> dict[str, Any]:
    """Everything a badge shows, as plain data (the JSON format, and the context of the others)."""
    score = AccountScore.objects.filter(account=account).first() if account is not None else None
    return badge_data_for(account=account, score=score)


def badge_data_for(*, account: Account | None, score: AccountScore | None) -> dict[str, Any]:
    """badge_data from already-loaded rows (no queries), for lists of tickets."""
    if account is None or score is None:
        return {
            "found": False, "enough_data": False,
            "account": {"external_id": account.external_id, "name": account.name} if account else None,
            "score": None, "tier": None, "trend": None, "trend_label": "", "trend_arrow": "", "top_reasons": [],
            "owner": _owner_name(account), "url": _account_url(account.external_id) if account else None,
            "colour": TIER_COLOURS[None], "label": "No health data",
        }  # fmt: skip
    components = score.components or {}
    if not score.tier:  # not enough data yet: a score for reference, no tier
        return {
            "found": True, "enough_data": False,
            "account": {"external_id": account.external_id, "name": account.name},
            "score": None, "tier": None, "trend": None, "trend_label": "", "trend_arrow": "",
            "top_reasons": list(components.get("top_reasons") or [])[:2], "owner": _owner_name(account),
            "url": _account_url(account.external_id), "colour": TIER_COLOURS[None], "label": "Not enough data yet",
        }  # fmt: skip
    return {
        "found": True,
        "enough_data": True,
        "account": {"external_id": account.external_id, "name": account.name},
        "score": int(score_text(score.score)),
        "tier": score.tier,
        "trend": score.trend,
        "trend_label": score.get_trend_display(),
        "trend_arrow": TREND_ARROWS.get(score.trend, ""),
        "top_reasons": list(components.get("top_reasons") or [])[:2],
        "owner": _owner_name(account),
        "url": _account_url(account.external_id),
        "colour": TIER_COLOURS.get(score.tier, TIER_COLOURS[None]),
        "label": f"{score.get_tier_display()} {score_text(score.score)}",
    }


def _owner_name(account: Account | None) -> str | None:
    if account is None or account.owner_id is None:
        return None
    return account.owner.get_full_name() or account.owner.username
