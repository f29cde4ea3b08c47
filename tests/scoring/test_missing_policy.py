"""Missing or stale data: exclude and renormalise, score 0, or neutral — always in the components."""

from __future__ import annotations

import pytest

from scoring.engine import SignalAggregate, score_components
from tests.scoring.conftest import DAY, NOW, model, sig


def _model(policy: str):
    a = sig("a", id=1, weight=1, stale_after_days=30)
    b = sig("b", id=2, weight=1, stale_after_days=30, missing_policy=policy)
    return model(a, b)


# Signal a scores 80 (latest value 80 on a 0–100 scale); signal b has no data.
A_ONLY = {1: SignalAggregate(newest_at=NOW - DAY, latest=80.0)}


def _row(components, key):
    return next(s for s in components["signals"] if s["key"] == key)


def test_it_excludes_and_renormalises():
    c = score_components(_model("exclude"), A_ONLY, NOW)
    # b drops out: a carries the whole weight → 80
    assert c["raw_score"] == 80.0
    b = _row(c, "b")
    assert (b["status"], b["policy"], b["sub_score"], b["weight_share"], b["value"]) == ("missing", "exclude", None, 0, None)
    assert _row(c, "a")["weight_share"] == 1.0


def test_it_scores_missing_as_zero():
    c = score_components(_model("zero"), A_ONLY, NOW)
    # (80 + 0) / 2 = 40
    assert c["raw_score"] == 40.0
    b = _row(c, "b")
    assert (b["status"], b["policy"], b["sub_score"], b["points_lost"]) == ("missing", "zero", 0.0, 50.0)


def test_it_scores_missing_as_neutral():
    c = score_components(_model("neutral"), A_ONLY, NOW)
    # (80 + 50) / 2 = 65
    assert c["raw_score"] == 65.0
    assert _row(c, "b")["sub_score"] == 50.0


def test_it_treats_old_data_as_stale_and_says_since_when():
    stale = {**A_ONLY, 2: SignalAggregate(newest_at=NOW - 31 * DAY, latest=100.0)}
    c = score_components(_model("zero"), stale, NOW)
    b = _row(c, "b")
    assert b["status"] == "stale"
    assert b["sub_score"] == 0.0
    assert b["newest_at"] == (NOW - 31 * DAY).isoformat()
    assert c["raw_score"] == 40.0
    assert any("no data since 2026-05-15" in r for r in c["top_reasons"])


def test_it_drops_a_whole_category_without_data_and_renormalises_categories():
    a = sig("a", id=1, category="usage", weight=1)
    b = sig("b", id=2, category="support", weight=1)
    m = model(a, b, cats={"usage": 30, "support": 70})
    c = score_components(m, A_ONLY, NOW)
    # Support has no data: usage's 30 becomes 30/30 of the score → 80
    assert c["raw_score"] == pytest.approx(80.0)


def test_it_is_neutral_with_no_data_at_all():
    c = score_components(_model("exclude"), {}, NOW)
    assert c["raw_score"] == 50.0
    assert c["top_reasons"] == ["No data for any signal: score is neutral (50)"]


# --- "decay": silence counts (usage-type signals) ------------------------------------------


def test_decay_keeps_the_full_sub_score_within_a_week_of_silence():
    b = {**A_ONLY, 2: SignalAggregate(newest_at=NOW - 7 * DAY, latest=100.0)}
    c = score_components(_model("decay"), b, NOW)
    assert _row(c, "b")["sub_score"] == 100.0
    assert _row(c, "b")["silence_factor"] == 1.0
    assert c["raw_score"] == 90.0


def test_decay_halves_the_sub_score_each_half_life_after_the_grace_week():
    # b: 100 last seen 21 days ago: 14 days past the 7-day grace, one half-life (14) → 50
    quiet = {**A_ONLY, 2: SignalAggregate(newest_at=NOW - 21 * DAY, latest=100.0)}
    c = score_components(_model("decay"), quiet, NOW)
    b = _row(c, "b")
    assert (b["status"], b["sub_score"], b["silence_factor"]) == ("ok", 50.0, 0.5)
    assert c["raw_score"] == 65.0  # (80 + 50) / 2: lower than exclude's 80, the silence is not masked
    assert "B: no data since 2026-05-25, counted as 50 of 100 (was 100): \u221225" in c["top_reasons"]


def test_decay_counts_a_signal_that_went_quiet_beyond_its_window_as_the_bad_value():
    gone = {**A_ONLY, 2: SignalAggregate(newest_at=NOW - 31 * DAY)}
    c = score_components(_model("decay"), gone, NOW)
    b = _row(c, "b")
    assert (b["status"], b["sub_score"], b["silence_factor"]) == ("stale", 0.0, 0.0)
    assert c["raw_score"] == 40.0
    assert "B: no data since 2026-05-15, counted as 0 of 100: \u221250" in c["top_reasons"]


def test_decay_excludes_a_signal_that_never_reported():
    c = score_components(_model("decay"), A_ONLY, NOW)
    assert _row(c, "b")["sub_score"] is None
    assert c["raw_score"] == 80.0
