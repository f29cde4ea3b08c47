"""Notifications: tier-change alerts (email, Slack), the weekly digest, overdue escalations.

Each message is first stored as a ``Notification`` row, then delivered by a background task
(``playbooks.tasks.notifications_deliver``) once the transaction commits. Delivery only touches rows
not yet sent, so a retry or a replay never sends twice; failures are kept on the row (``error``) and
re-raised so django-q shows the failed task in the admin and retries it.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import urllib.request
from collections import defaultdict
from collections.abc import Iterable
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string

from accounts.models import Account
from healthscore.bounds import header_text
from playbooks.models import Notification, Severity, Task
from scoring.models import AccountScore, ScoreChange, Tier

ALERT_TIERS = (Tier.YELLOW, Tier.RED)
SLACK_TIMEOUT_SECONDS = 10


def account_url(account: Account) -> str:
    return f"{settings.SITE_URL}/accounts/{quote(account.external_id, safe='')}/"


def _manager_of(account: Account):
    return account.manager or (account.team.manager if account.team_id and account.team else None)


def _enqueue_delivery(ids: list[int]) -> None:
    if not ids:
        return
    from django_q.tasks import async_task

    transaction.on_commit(
        lambda: async_task("playbooks.tasks.notifications_deliver", ids, task_name="notifications_deliver")
    )


def slack_escape(text: str) -> str:
    """Text from our data, safe inside a Slack message (``text`` and mrkdwn).

    Slack's rule: escape ``&``, ``<`` and ``>`` (as ``&amp;`` ``&lt;`` ``&gt;``), so a name cannot make
    a control sequence (``<!channel>``, ``<@U…>``) or a disguised link (``<https://evil|Re-login>``).
    A word joiner after the scheme stops Slack from auto-linking a URL written into a name; control
    characters (a line break in a name) become spaces.
    """
    text = header_text(str(text))
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _URL_SCHEME.sub(lambda m: m.group(1) + ":\u2060//", text)


_URL_SCHEME = re.compile(r"\b([A-Za-z][A-Za-z0-9+.-]*)://")


def slack_payload(*, account: Account, change: ScoreChange, score: AccountScore | None) -> dict:
    """The Slack incoming-webhook message for a tier change: score, tier, top reasons and a link.

    Every value from our data goes through ``slack_escape``; only our own account URL is a link.
    """
    reasons = tier_change_info(account=account, change=change, score=score)["top_reasons"]
    url = account_url(account)
    name = slack_escape(account.name)
    tier = Tier(change.to_tier).label
    was = f", was {Tier(change.from_tier).label.lower()}" if change.from_tier else ""
    headline = f"{name} entered {tier.lower()} (score {change.to_score:.1f}{was})"
    reason_text = "\n".join(f"• {slack_escape(r)}" for r in reasons) or "• No signal stands out."
    return {
        "text": f"{headline}. {url}",
        "unfurl_links": False,
        "unfurl_media": False,
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": f"*<{url}|{name}>* entered *{tier}*"}},
            {
                "type": "section",
                "fields": [
                    {"type": "mrkdwn", "text": f"*Score*\n{change.to_score:.1f}"},
                    {"type": "mrkdwn", "text": f"*Tier*\n{tier}"},
                ],
            },
            {"type": "section", "text": {"type": "mrkdwn", "text": f"*Top reasons*\n{reason_text}"}},
        ],
    }


def tier_change_info(*, account: Account, change: ScoreChange, score: AccountScore | None) -> dict:
    """The facts of a tier change as plain data (the email's context). Not part of the Slack message:
    Slack's incoming webhooks take only their own top-level keys."""
    return {
        "account": account.external_id,
        "score": round(change.to_score, 1),
        "tier": change.to_tier,
        "from_tier": change.from_tier or None,
        "top_reasons": list(((score.components if score else None) or {}).get("top_reasons", []))[:3],
        "url": account_url(account),
    }


def notifications_for_tier_changes(
    *,
    changes: Iterable[ScoreChange],
    accounts: dict[int, Account],
    scores: dict[int, AccountScore],
    now: dt.datetime,
) -> list[int]:
    """Store (and enqueue delivery of) the alerts for tier transitions into yellow or red.

    A transition caused by publishing a new model version alerts nobody: it is a re-scoring of many
    accounts at once, announced by the publish itself (its tasks still open as usual).
    """
    alerts = [
        c
        for c in changes
        if c.tier_changed
        and c.to_tier in ALERT_TIERS
        and c.from_tier != c.to_tier
        and c.cause != ScoreChange.Cause.MODEL_VERSION
        and c.account_id in accounts
    ]
    if not alerts:
        return []
    # A replay finds its alerts stored already. A change-log row rewritten later the same day
    # (yellow, then red) keeps its id, so the key includes the tier it went to.
    done = set(
        Notification.objects.filter(
            kind=Notification.Kind.TIER_CHANGE, payload__change_id__in=[c.pk for c in alerts]
        ).values_list("payload__change_id", "payload__to_tier")
    )
    rows: list[Notification] = []
    for change in alerts:
        if (change.pk, change.to_tier) in done:
            continue
        key = {"change_id": change.pk, "to_tier": change.to_tier}
        dedupe = f"tier_change:{change.pk}:{change.to_tier}"
        account = accounts[change.account_id]
        score = scores.get(account.pk)
        slack = slack_payload(account=account, change=change, score=score)
        info = tier_change_info(account=account, change=change, score=score)
        context = {"account": account, "change": change, "info": info, "url": account_url(account)}
        subject = header_text(render_to_string("playbooks/email/tier_change_subject.txt", context))
        body = render_to_string("playbooks/email/tier_change.txt", context)
        recipients = {u.pk: u for u in (account.owner, _manager_of(account)) if u is not None}
        for user in recipients.values():
            rows.append(
                Notification(
                    recipient=user, channel=Notification.Channel.EMAIL, kind=Notification.Kind.TIER_CHANGE,
                    account=account, subject=subject[:255], body=body, payload=key,
                    dedupe_key=f"{dedupe}:email:{user.pk}",
                )
            )
        if settings.SLACK_WEBHOOK_URL:
            rows.append(
                Notification(
                    channel=Notification.Channel.SLACK, kind=Notification.Kind.TIER_CHANGE, account=account,
                    subject=subject[:255], body=slack["text"], payload={**key, "slack": slack},
                    dedupe_key=f"{dedupe}:slack:-",
                )
            )
    return _store(rows)


def _store(rows: list[Notification]) -> list[int]:
    """Insert the notifications whose ``dedupe_key`` is new (the unique index decides, so two workers
    acting on the same change store each message once) and enqueue their delivery; returns their ids."""
    if not rows:
        return []
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    # ignore_conflicts returns no ids: read back the rows of these keys that are still to send.
    ids = list(
        Notification.objects.filter(dedupe_key__in=[n.dedupe_key for n in rows], sent_at__isnull=True)
        .order_by("pk").values_list("pk", flat=True)
    )
    _enqueue_delivery(ids)
    return ids


def notifications_redeliver(*, now: dt.datetime, older_than: dt.timedelta = dt.timedelta(minutes=1)) -> int:
    """Enqueue delivery of the stored notifications that were never sent nor tried (their delivery
    task was lost: a crash after the commit, a broker that dropped it). Returns how many."""
    ids = list(
        Notification.objects.filter(sent_at__isnull=True, error="", created_at__lt=now - older_than)
        .order_by("pk").values_list("pk", flat=True)[:5000]
    )
    for start in range(0, len(ids), 500):
        _enqueue_delivery(ids[start : start + 500])
    return len(ids)


# The top-level keys Slack's incoming webhooks take; rows stored before a key was dropped lose it here.
SLACK_KEYS = frozenset({"text", "blocks", "attachments", "thread_ts", "mrkdwn", "unfurl_links", "unfurl_media"})


def _send_slack(payload: dict) -> None:
    payload = {k: v for k, v in payload.items() if k in SLACK_KEYS}
    request = urllib.request.Request(
        settings.SLACK_WEBHOOK_URL,
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=SLACK_TIMEOUT_SECONDS) as response:  # noqa: S310 (URL from settings)
        if response.status >= 300:
            raise RuntimeError(f"Slack answered HTTP {response.status}")


def notifications_deliver(*, ids: Iterable[int], now: dt.datetime) -> dict[str, int]:
    """Send the stored, not-yet-sent notifications; record each failure on its row.

    Each row is claimed (``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL) for the length of its
    send, so two deliveries of the same ids (a redelivery by the watchdog, a retried task) send
    each message once; a crash between the send and the commit sends it again (at least once).
    """
    sent = failed = 0
    candidates = list(Notification.objects.filter(pk__in=list(ids), sent_at__isnull=True).values_list("pk", flat=True))
    for pk in candidates:
        with transaction.atomic():
            note = (
                Notification.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(pk=pk, sent_at__isnull=True).select_related("recipient").first()
            )
            if note is None:
                continue
            try:
                if note.channel == Notification.Channel.SLACK:
                    if not settings.SLACK_WEBHOOK_URL:
                        raise RuntimeError("SLACK_WEBHOOK_URL is not set")
                    _send_slack(note.payload.get("slack") or {"text": note.body})
                else:
                    if note.recipient is None or not note.recipient.email:
                        note.error = "The recipient has no email address."
                        note.save(update_fields=["error"])
                        continue
                    # Stored subjects hold account names: a newline there would make Django refuse the message.
                    EmailMessage(header_text(note.subject), note.body, to=[note.recipient.email]).send()
            except Exception as exc:  # noqa: BLE001 — any transport failure is recorded, then re-raised below
                note.error = f"{type(exc).__name__}: {exc}"[:2000]
                note.save(update_fields=["error"])
                failed += 1
                continue
            note.sent_at = now
            note.error = ""
            note.save(update_fields=["sent_at", "error"])
            sent += 1
    if failed:
        raise RuntimeError(f"{failed} of {len(candidates)} notifications failed; see Notification.error")
    return {"sent": sent, "failed": failed}


# --- Weekly digest -------------------------------------------------------------


def digest_send_weekly(*, now: dt.datetime, days: int = 7) -> list[int]:
    """One digest per CSM and manager: newly yellow/red accounts and the biggest moves of the week."""
    week = "{}-W{:02d}".format(*now.isocalendar()[:2])
    since = (now - dt.timedelta(days=days)).date()
    accounts = Account.objects.filter(status=Account.Status.ACTIVE)
    people: dict[int, set[int]] = defaultdict(set)  # user -> account ids
    for pk, owner, manager, team_manager in accounts.values_list("pk", "owner_id", "manager_id", "team__manager_id"):
        for user_id in {owner, manager or team_manager} - {None}:
            people[user_id].add(pk)
    already = set(
        Notification.objects.filter(kind=Notification.Kind.DIGEST, payload__week=week).values_list(
            "recipient_id", flat=True
        )
    )
    recipients = {u.pk: u for u in get_user_model().objects.filter(pk__in=set(people) - already, is_active=True)}
    changes = list(
        ScoreChange.objects.filter(date__gte=since, account__status=Account.Status.ACTIVE)
        .select_related("account")
        .order_by("account_id", "date", "id")
    )
    changes_of: dict[int, list[ScoreChange]] = defaultdict(list)
    for change in changes:
        changes_of[change.account_id].append(change)
    rows = []
    for user_id, user in recipients.items():
        # In account, then date order, as the query sorted them; without rescanning every change per person.
        mine = [c for pk in sorted(people[user_id]) for c in changes_of.get(pk, ())]
        newly = {}
        for c in mine:  # the latest tier change of each account decides "newly yellow/red"
            if c.tier_changed:
                newly[c.account_id] = c
        newly_bad = sorted(
            (c for c in newly.values() if c.to_tier in ALERT_TIERS), key=lambda c: (c.to_tier != Tier.RED, c.to_score)
        )
        moved = sorted(mine, key=lambda c: -abs(c.to_score - (c.from_score if c.from_score is not None else c.to_score)))
        context = {
            "user": user,
            "week": week,
            "newly_red": [c for c in newly_bad if c.to_tier == Tier.RED],
            "newly_yellow": [c for c in newly_bad if c.to_tier == Tier.YELLOW],
            "moved": moved[:10],
            "accounts": len(people[user_id]),
            "site_url": settings.SITE_URL,
        }
        rows.append(
            Notification(
                recipient=user, channel=Notification.Channel.EMAIL, kind=Notification.Kind.DIGEST,
                subject=f"[Healthscore] Weekly digest {week}: {len(context['newly_red'])} newly red, "
                f"{len(context['newly_yellow'])} newly yellow",
                body=render_to_string("playbooks/email/digest.txt", context),
                dedupe_key=f"digest:{week}:{user.pk}",
                payload={
                    "week": week,
                    "newly_red": [c.account.external_id for c in context["newly_red"]],
                    "newly_yellow": [c.account.external_id for c in context["newly_yellow"]],
                    "moved": [c.account.external_id for c in context["moved"]],
                },
            )
        )
    return _store(rows)


# --- Escalation ------------------------------------------------------------------


def tasks_escalate_overdue(*, now: dt.datetime) -> list[int]:
    """Escalate overdue high-severity tasks to the account's manager, once per task."""
    with transaction.atomic():
        overdue = list(
            Task.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(
                status=Task.Status.OPEN, severity=Severity.HIGH, due_at__lt=now, escalated_at__isnull=True
            )
            .select_related("account__manager", "account__team__manager", "assignee")
        )
        if not overdue:
            return []
        rows = []
        for task in overdue:
            manager = _manager_of(task.account)
            context = {"task": task, "account": task.account, "url": account_url(task.account), "now": now}
            rows.append(
                Notification(
                    recipient=manager, channel=Notification.Channel.EMAIL, kind=Notification.Kind.ESCALATION,
                    account=task.account, task=task,
                    subject=header_text(f"[Healthscore] Overdue: {task.title} — {task.account.name}", max_length=255),
                    body=render_to_string("playbooks/email/escalation.txt", context),
                    payload={"task_id": task.pk, "due_at": task.due_at.isoformat()},
                    dedupe_key=f"escalation:{task.pk}:{manager.pk if manager else '-'}",
                )
            )
        Task.objects.filter(pk__in=[t.pk for t in overdue]).update(escalated_at=now)
        ids = _store(rows)
    return ids
