"""The standard model scores the derived relationship and support signals (issue #15): a champion who
left with no successor, a sponsor nobody met for months, a single thread — each lowers the score of
the standard model, beside NPS; an account without contacts or tickets is scored as before."""

from __future__ import annotations

import datetime as dt

import pytest

from accounts.models import Contact
from scoring.derived import DERIVED_SIGNAL_WEIGHTS, derived_refresh
from scoring.models import AccountScore, Segment, SignalWeight
from scoring.services import scores_recompute
from scoring.standard import STANDARD_SIGNAL_WEIGHTS, model_version_create, standard_model_signals
from tests.factories import AccountFactory, observe

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 6, 15, 12, 0, tzinfo=dt.UTC)
TODAY = NOW.date()
DAY = dt.timedelta(days=1)


@pytest.fixture
def standard():
    segment = Segment.objects.create(name="Default", slug="default", is_default=True)
    signals = standard_model_signals()
    version = model_version_create(segment=segment, signals=signals)
    return signals, version


def _person(account, name, role="user", left=None, touch=None):
    return Contact.objects.create(account=account, name=name, role=role, in_role_since=TODAY - 400 * DAY,
                                  left_at=left, last_touch_at=touch)


def test_the_standard_model_weighs_the_derived_block(standard):
    _, version = standard
    weights = dict(SignalWeight.objects.filter(version=version).values_list("signal__key", "weight"))
    assert weights == {**STANDARD_SIGNAL_WEIGHTS, **DERIVED_SIGNAL_WEIGHTS}
    assert "exec_sponsor_touch_days" in weights


def test_derived_relationship_signals_move_the_standard_score(standard):
    signals, _ = standard
    covered, gone, no_contacts = AccountFactory(), AccountFactory(), AccountFactory()
    for a in (covered, gone, no_contacts):
        observe(a, signals["weekly_logins"], 3, NOW - DAY)
        observe(a, signals["nps"], 50, NOW - DAY)
    # covered: champion in role, sponsor met 10 days ago, five people in role
    _person(covered, "Ann", "champion")
    _person(covered, "Sam", "executive_sponsor", touch=TODAY - 10 * DAY)
    for n in ("Bo", "Cy", "Di"):
        _person(covered, n)
    # gone: the champion left 30 days ago with no successor, the sponsor's last touch 200 days ago, one user
    _person(gone, "Eve", "champion", left=TODAY - 30 * DAY)
    _person(gone, "Tom", "executive_sponsor", touch=TODAY - 200 * DAY)
    derived_refresh(account_ids=[covered.pk, gone.pk, no_contacts.pk], now=NOW)
    scores_recompute(account_ids=[covered.pk, gone.pk, no_contacts.pk], now=NOW)
    got = {s.account_id: s for s in AccountScore.objects.all()}
    relationship = {
        pk: {s["key"]: s["sub_score"] for s in got[pk].components["signals"] if s["category"] == "relationship"}
        for pk in got
    }
    assert relationship[covered.pk] == {"nps": 100.0, "champion_coverage": 100.0, "engaged_contacts": 100.0,
                                        "exec_sponsor_touch_days": 100.0, "csm_sentiment": None}
    # 1 contact in role (bad 1 → good 5): 0; 200 days (bad 120): 0; champion gone: 0
    assert relationship[gone.pk] == {"nps": 100.0, "champion_coverage": 0.0, "engaged_contacts": 0.0,
                                     "exec_sponsor_touch_days": 0.0, "csm_sentiment": None}
    # no contacts: the derived relationship signals are excluded, NPS carries the category
    assert relationship[no_contacts.pk] == {"nps": 100.0, "champion_coverage": None, "engaged_contacts": None,
                                            "exec_sponsor_touch_days": None, "csm_sentiment": None}
    assert got[covered.pk].score == got[no_contacts.pk].score
    # relationship (15 of the 80 with data: engagement has none) falls from 100 to NPS's share, 100 of
    # 300 signal weight: 15/80 · 100 · (1 − 100/300) = 12.5 points
    assert got[gone.pk].score == pytest.approx(got[covered.pk].score - 12.5, abs=0.02)
    assert any(r.startswith("Champion in role low (0)") for r in got[gone.pk].components["top_reasons"])
