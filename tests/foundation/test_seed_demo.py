"""seed_demo builds the book the README promises, deterministically."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.db.models import Count, Max, Min
from django.utils import timezone

from accounts.demo import simulate_book
from accounts.models import Account, Contact, Outcome
from playbooks.models import Playbook
from scoring.models import Observation, ScoreModelVersion, Segment, SignalDefinition


def test_it_builds_the_promised_book(db):
    """The full default book is seeded once (about 15 s) and checked from several angles."""
    out = StringIO()
    call_command("seed_demo", "--no-scores", stdout=out, stderr=StringIO())
    check_shape(out.getvalue())
    check_users_and_roles()
    check_outcomes_follow_trajectories()
    check_champion_changes()


def check_shape(seeded: str) -> None:
    assert Account.objects.count() >= 300
    per_segment = dict(Account.objects.values_list("segment__slug").annotate(n=Count("id")))
    assert set(per_segment) == {"smb", "enterprise"} and min(per_segment.values()) >= 50
    assert SignalDefinition.objects.count() == 8 + 8  # the standard signals, the derived block and CSM sentiment
    assert set(SignalDefinition.objects.values_list("category", flat=True)) >= {"usage", "support", "relationship", "commercial"}
    # One published model version per segment, the default segment marked.
    assert ScoreModelVersion.objects.filter(status="published").count() == Segment.objects.count() == 2
    assert Segment.objects.get(is_default=True).slug == "smb"
    # 180 days of daily observations.
    span = Observation.objects.aggregate(first=Min("observed_at"), last=Max("observed_at"))
    assert (span["last"].date() - span["first"].date()).days == 179
    daily = Observation.objects.filter(signal__key="active_user_rate", account__status="active")
    per_account = daily.values("account").annotate(n=Count("id")).values_list("n", flat=True)
    assert set(per_account) == {180}
    # Tier playbooks from the guides, the red one due within 24 hours.
    red = Playbook.objects.get(trigger_kind="enter_tier", tier="red")
    assert red.severity == "high" and red.steps.order_by("order").first().due_offset_hours <= 24
    assert Playbook.objects.filter(trigger_kind="rule").exists()
    assert "csm" in seeded and "password 'demo'" in seeded


def check_users_and_roles() -> None:
    for username, group in [("admin", "CS ops"), ("manager", "CS manager"), ("csm", "CSM"), ("support", "Support agent")]:
        user = authenticate(username=username, password="demo")
        assert user is not None, username
        assert user.groups.filter(name=group).exists()
    assert Account.objects.filter(owner__username="csm").count() > 50


def check_outcomes_follow_trajectories() -> None:
    """Churned accounts had lower usage in the 60 days before churning than renewed ones."""
    kinds = dict(Outcome.objects.values_list("kind").annotate(n=Count("id")))
    assert kinds.get("churned", 0) >= 20 and kinds.get("renewed", 0) >= 20
    assert kinds.get("expanded", 0) >= 5
    churned = Outcome.objects.filter(kind="churned").select_related("account")
    assert all(o.account.status == "churned" for o in churned)

    def usage_before(kind: str) -> float:
        values = []
        for outcome in Outcome.objects.filter(kind=kind):
            window = Observation.objects.filter(
                account=outcome.account_id,
                signal__key="active_user_rate",
                observed_at__date__gte=outcome.date - dt.timedelta(days=60),
                observed_at__date__lte=outcome.date,
            )
            values.extend(window.values_list("value", flat=True))
        return sum(values) / len(values)

    assert usage_before("churned") < usage_before("renewed") - 15
    # A churned account sends nothing after its churn date.
    for outcome in churned[:10]:
        last = Observation.objects.filter(account=outcome.account_id).aggregate(m=Max("observed_at"))["m"]
        assert last.date() <= outcome.date


def check_champion_changes() -> None:
    left = Contact.objects.filter(role="champion", left_at__isnull=False)
    assert left.exists()
    for contact in left[:10]:
        successor = Contact.objects.filter(account=contact.account_id, role="champion", left_at__isnull=True).get()
        assert successor.in_role_since > contact.left_at


def test_it_refuses_a_non_empty_database_unless_asked_to_skip(db):
    call_command("seed_demo", "--accounts", "5", "--days", "30", "--no-scores", stdout=StringIO(), stderr=StringIO())
    with pytest.raises(CommandError, match="already has accounts"):
        call_command("seed_demo", stdout=StringIO())
    out = StringIO()
    call_command("seed_demo", "--if-empty", stdout=out)
    assert "nothing to do" in out.getvalue()


def test_it_is_deterministic():
    today = timezone.localdate()
    one = simulate_book(accounts=50, days=120, today=today, seed=3, csm_count=3)
    two = simulate_book(accounts=50, days=120, today=today, seed=3, csm_count=3)
    other = simulate_book(accounts=50, days=120, today=today, seed=4, csm_count=3)
    assert [(a.name, a.archetype, a.outcomes, a.health[-1]) for a in one] == [
        (a.name, a.archetype, a.outcomes, a.health[-1]) for a in two
    ]
    assert [a.name for a in one] != [a.name for a in other]


def test_it_computes_the_score_history_with_tasks_on_their_days(db):
    """A small book, scored: a snapshot a day per live account, nothing after churn, tasks dated in the replay."""
    from playbooks.models import Task
    from scoring.models import AccountScore, ScoreSnapshot

    days = 60
    call_command("seed_demo", "--accounts", "40", "--days", str(days), stdout=StringIO(), stderr=StringIO())
    today = timezone.localdate()
    for account in Account.objects.all():
        dates = list(ScoreSnapshot.objects.filter(account=account).values_list("date", flat=True))
        churn = account.outcomes.filter(kind="churned").first()
        last = churn.date if churn else today
        assert max(dates) == last, account
        assert len(dates) == len(set(dates)) == (last - (today - dt.timedelta(days=days - 1))).days + 1
    for score in AccountScore.objects.all()[:20]:
        total = sum(s["contribution"] for s in score.components["signals"])
        assert abs(total - score.components["raw_score"]) <= 0.01
    created_days = {t.created_at.date() for t in Task.objects.all()}
    assert len(created_days) > 3, "tasks should be opened on the simulated days, not all today"
    assert min(created_days) >= today - dt.timedelta(days=30)


def test_it_names_a_book_far_beyond_the_4800_prefix_suffix_names_uniquely():
    # It used to loop for ever above ~4,800 accounts.
    book = simulate_book(accounts=7000, days=30, today=dt.date(2026, 6, 1), seed=7, csm_count=3)
    assert len({a.name for a in book}) == len({a.domain for a in book}) == len({a.external_id for a in book}) == 7000
    small = simulate_book(accounts=5, days=30, today=dt.date(2026, 6, 1), seed=7, csm_count=3)
    assert [a.name for a in book[:5]] == [a.name for a in small]  # small books keep their names
