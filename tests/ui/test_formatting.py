from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from playbooks.templatetags.hs_ui import due_label, freshness, money, signed

NOW = dt.datetime(2026, 11, 26, 12, 0, tzinfo=dt.UTC)


def test_it_formats_money_compactly_with_a_real_minus():
    assert [money(v) for v in (950, 4800, 48000, 1_250_000, -26000, None)] == ["$950", "$4.8k", "$48k", "$1.2M", "−$26k", "–"]


def test_it_signs_deltas():
    assert [signed(v) for v in (3, -12.44, 0, None)] == ["+3.0", "−12.4", "0", "–"]


def test_it_says_freshness_in_plain_words():
    assert freshness({"newest_at": "2026-11-03T00:00:00+00:00", "status": "stale"}, NOW) == "no data since 3 Nov"
    assert freshness({"newest_at": "2026-11-26T08:00:00+00:00", "status": "ok"}, NOW) == "updated today"
    assert freshness({"newest_at": "2025-10-01T00:00:00+00:00", "status": "missing"}, NOW) == "no data since 1 Oct 2025"
    assert freshness({"newest_at": None, "status": "missing"}, NOW) == "no data yet"


def test_it_says_when_a_task_is_due():
    with timezone.override(dt.UTC):
        assert due_label(NOW - dt.timedelta(days=3), NOW) == "overdue 3 d"
        assert due_label(NOW - dt.timedelta(hours=1), NOW) == "overdue today"
        assert due_label(NOW + dt.timedelta(hours=3), NOW) == "today 15:00"
        assert due_label(NOW + dt.timedelta(days=1), NOW) == "tomorrow"
        assert due_label(NOW + dt.timedelta(days=5), NOW) == "1 Dec"


@pytest.mark.parametrize(("score", "shown"), [(49.6, "49"), (49.99, "49"), (50.0, "50"), (74.9, "74"), (0.4, "0"), (100.0, "100"), (None, "–")])
def test_score_label_never_rounds_a_score_across_a_threshold(score, shown):
    from playbooks.templatetags.hs_ui import score_label

    assert score_label(score) == shown


def test_the_health_badge_of_a_red_49_7_reads_49(db, alice_account, make_score):
    from django.template.loader import render_to_string

    score = alice_account.score
    score.score, score.tier = 49.7, "red"
    html = render_to_string("components/health_badge.html", {"score": score})
    assert '<span class="badge-score">49</span>' in html and "tier-red" in html


def test_the_support_badge_of_a_red_49_7_reads_49(db, alice_account):
    """The helpdesk badge (JSON, HTML, SVG) shows the score the way the app does: rounded down."""
    from support.badges import badge_data_for

    score = alice_account.score
    score.score, score.tier = 49.7, "red"
    data = badge_data_for(account=alice_account, score=score)
    assert (data["score"], data["label"], data["tier"]) == (49, "Red 49", "red")
