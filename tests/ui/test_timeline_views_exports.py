"""The account timeline with notes, the list of active flags, saved views and CSV exports."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AccountNote, SavedView
from scoring.models import Override

pytestmark = pytest.mark.django_db


def _csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


def test_the_timeline_merges_scores_tasks_notes_tickets_and_flags_newest_first(client, alice, alice_account, make_task):
    make_task(alice_account, assignee=alice)
    Override.objects.create(account=alice_account, reason="budget_freeze", effect="penalty", value=10, created_by=alice,
                            expires_at=timezone.now() + dt.timedelta(days=20), note="Frozen until Q2")
    alice_account.tickets.create(external_id="T-9", subject="Export broken", opened_at=timezone.now() - dt.timedelta(days=2),
                                 updated_at=timezone.now())
    client.force_login(alice)
    response = client.post(reverse("accounts:timeline", args=["acme"]), {"body": "Dana is leaving in March."})
    assert response.status_code == 302
    html = client.get(reverse("accounts:timeline", args=["acme"])).content.decode()
    order = [html.index(t) for t in ("Dana is leaving in March.", "Flagged: Budget freeze (−10 points)",
                                     "Task opened: Call the champion", "Ticket #T-9 opened")]
    assert order == sorted(order)
    assert AccountNote.objects.get().author == alice


def test_an_empty_note_is_refused_and_a_reader_cannot_add_one(client, alice, support, alice_account):
    client.force_login(alice)
    response = client.post(reverse("accounts:timeline", args=["acme"]), {"body": "   "})
    assert response.status_code == 422 and AccountNote.objects.count() == 0
    client.force_login(support)
    assert client.get(reverse("accounts:timeline", args=["acme"])).status_code == 200
    assert client.post(reverse("accounts:timeline", args=["acme"]), {"body": "hi"}).status_code == 403
    assert AccountNote.objects.count() == 0


def test_the_flags_page_lists_active_overrides_of_visible_accounts_only(client, alice, bob, alice_account):
    from tests.factories import AccountFactory

    bob_account = AccountFactory(name="Bobcat Ltd", external_id="bobcat", owner=bob)  # not on alice's team
    soon = timezone.now() + dt.timedelta(days=5)
    Override.objects.create(account=alice_account, reason="champion_left", effect="cap", value=40, created_by=alice,
                            expires_at=soon)
    Override.objects.create(account=bob_account, reason="budget_freeze", effect="cap", value=30, created_by=bob,
                            expires_at=soon)
    Override.objects.create(account=alice_account, reason="other", effect="cap", value=20, created_by=alice,
                            expires_at=timezone.now() - dt.timedelta(days=1), note="expired")
    client.force_login(alice)
    html = client.get(reverse("accounts:overrides")).content.decode()
    assert "Champion left" in html and "capped at 40" in html
    assert "Bobcat Ltd" not in html and "expired" not in html and "1 override holding" in html


def test_a_saved_view_returns_to_its_filters_and_belongs_to_its_owner(client, alice, bob):
    client.force_login(alice)
    response = client.post(reverse("accounts:saved_view_new"), {"page": "portfolio", "name": "Red ones", "query": "tier=red"})
    assert response.status_code == 302 and response["Location"] == "/accounts/?tier=red"
    view = SavedView.objects.get()
    assert (view.user, view.page, view.name, view.query) == (alice, "portfolio", "Red ones", "tier=red")
    assert 'href="?tier=red">Red ones</a>' in client.get(reverse("accounts:portfolio")).content.decode()
    client.force_login(bob)
    assert "Red ones" not in client.get(reverse("accounts:portfolio")).content.decode()
    assert client.post(reverse("accounts:saved_view_delete", args=[view.pk])).status_code == 404
    client.force_login(alice)
    client.post(reverse("accounts:saved_view_delete", args=[view.pk]))
    assert not SavedView.objects.exists()


def test_the_portfolio_exports_every_filtered_account_as_csv(client, manager, alice_account, bob_account):
    bob_account.name = "=HYPERLINK(evil)"
    bob_account.save()
    client.force_login(manager)
    response = client.get(reverse("accounts:portfolio_export"), {"tier": "red"})
    rows = _csv(response)
    assert response["Content-Type"] == "text/csv; charset=utf-8" and "attachment" in response["Content-Disposition"]
    assert rows[0][:4] == ["external_id", "name", "score", "tier"]
    assert [r[0] for r in rows[1:]] == ["acme"] and rows[1][2] == "42.0"
    everything = _csv(client.get(reverse("accounts:portfolio_export")))
    assert "'=HYPERLINK(evil)" in [r[1] for r in everything]


def test_the_queue_exports_its_filtered_tasks_as_csv(client, alice, alice_account, bob_account, make_task, bob):
    make_task(alice_account, assignee=alice)
    make_task(bob_account, assignee=bob)
    client.force_login(alice)
    rows = _csv(client.get(reverse("playbooks:queue_export")))
    assert [r[0] for r in rows[1:]] == ["acme"] and rows[1][4] == "Call the champion"
