"""History days are scored by the numbers alone (``compute_numbers``): the same score, tiers, hysteresis
state, sub-scores and contributions as ``compute_account``, and a rebuild writes the same snapshots and
change log as one that builds the full explanation for every day."""

from __future__ import annotations

import datetime as dt

import pytest

from accounts.models import Account
from scoring import backfill, snapshot_pack
from scoring.aggregation import Obs
from scoring.engine import (
    History,
    OverrideSpec,
    PriorState,
    SeriesAggregator,
    compute_account,
    compute_numbers,
)
from scoring.history import history_rebuild
from scoring.models import AccountScore, Override, ScoreChange, ScoreSnapshot
from scoring.writes import SnapshotRow
from tests.factories import AccountFactory, observe
from tests.scoring.conftest import model, sig

NOW = dt.datetime(2026, 6, 15, 12, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)


def _day_series():
    """Four signals over 80 days: a slow fall then a recovery (tier changes held by hysteresis), a signal
    that goes quiet (decay), one that stops reporting (neutral, then stale), one that starts late."""
    logins = sig("logins", aggregation="mean", window_days=14, half_life_days=7, missing_policy="decay", good=30)
    tickets = sig("tickets", category="support", aggregation="latest", bad=5, good=0, missing_policy="neutral",
                  stale_after_days=10)
    adoption = sig("adoption", category="engagement", aggregation="latest", bad=10, good=50)
    nps = sig("nps", category="relationship", aggregation="pct_change", window_days=7, bad=-50, good=50,
              missing_policy="zero")
    spec = model(logins, tickets, adoption, nps, cats={"usage": 40, "support": 15, "engagement": 20,
                                                        "relationship": 15},
                 hold_days=5, min_data_share=0.7)
    start = NOW - 80 * DAY
    obs = {s.id: [] for s in spec.signals}
    for d in range(80):
        at = start + d * DAY
        level = 30 - d * 0.6 if d < 45 else 3 + (d - 45) * 0.8  # down into red slowly, then back up
        if not 55 <= d < 62:  # a week of silence
            obs[logins.id].append(Obs(at, level))
        if d < 50:  # tickets stop reporting on day 50: neutral, then stale
            obs[tickets.id].append(Obs(at, d % 3))
        if d >= 5:  # adoption starts on day 5: before that, too little of the weight has data
            obs[adoption.id].append(Obs(at, 40 + d % 4))
        if d % 3 == 0:
            obs[nps.id].append(Obs(at, (d % 11) - 5))
    series = {sid: SeriesAggregator(s, obs[sid], ref=NOW) for sid, s in ((x.id, x) for x in spec.signals)}
    overrides = [
        OverrideSpec(id=1, reason="champion_left", effect="cap", value=40, expires_at=start + 30 * DAY,
                     created_at=start + 20 * DAY),
        OverrideSpec(id=2, reason="budget_freeze", effect="penalty", value=8, expires_at=start + 70 * DAY,
                     created_at=start + 25 * DAY, revoked_at=start + 66 * DAY),
    ]
    return spec, start, series, overrides


def test_the_numbers_equal_the_full_result_every_day():
    spec, start, series, overrides = _day_series()
    prior = prior_n = None
    trail: list[float] = []
    seen = {"tiers": set(), "pending": 0, "no_tier": 0, "override": set()}
    for d in range(80):
        now = start + d * DAY + dt.timedelta(hours=12)
        aggregates = {sid: s.at(now) for sid, s in series.items()}
        peak = max(trail[-spec.rapid_decline_days:]) if trail else None
        history = History(peak=peak)
        full = compute_account(model=spec, aggregates=aggregates, now=now, prior=prior, history=history,
                               overrides=overrides)
        numbers = compute_numbers(model=spec, aggregates=aggregates, now=now, prior=prior_n, history=history,
                                  overrides=overrides)
        for f in ("score", "raw_score", "raw_tier", "tier", "tier_since", "pending_tier", "pending_since",
                  "model_version_id", "override_id", "hold_days", "decline", "decline_days"):
            assert getattr(numbers, f) == getattr(full, f), (d, f)
        assert numbers.signal_ids == full.signal_ids
        assert [(s.key, sub, c) for s, sub, c in numbers.signals] == [
            (s["key"], s["sub_score"], s["contribution"]) for s in full.components["signals"]], d
        assert numbers.components == {
            "signals": [{k: s[k] for k in ("key", "label", "sub_score", "contribution")}
                        for s in full.components["signals"]],
            "override": full.components["override"]}, d
        prior = PriorState(full.tier, full.tier_since, full.pending_tier, full.pending_since)
        prior_n = PriorState(numbers.tier, numbers.tier_since, numbers.pending_tier, numbers.pending_since)
        if full.tier:
            trail.append(full.score)
        seen["tiers"].add(full.tier)
        seen["pending"] += bool(full.pending_tier)
        seen["no_tier"] += not full.tier
        seen["override"].add(full.override_id)
    # The walk went through what it is meant to test.
    assert seen["tiers"] == {"", "green", "yellow", "red"}
    assert seen["pending"] >= 5 and seen["no_tier"] >= 3 and seen["override"] == {None, 1, 2}


@pytest.fixture
def book(scoring_setup):
    s = scoring_setup.signals
    version = scoring_setup.version
    version.min_data_share = 0.3
    version.save(update_fields=["min_data_share"])
    steady, sliding, gaps, capped, churned = (AccountFactory() for _ in range(5))
    for d in range(70):
        at = NOW - d * DAY
        observe(steady, s["weekly_logins"], 3, at)
        observe(steady, s["core_feature_adoption"], 40, at)
        # Slides from healthy into red over ~two months (hysteresis holds each tier change), then recovers.
        level = min(1.0, d / 50) if d >= 10 else 0.2 + d * 0.05
        observe(sliding, s["weekly_logins"], round(3 * level, 2), at)
        observe(sliding, s["active_user_rate"], round(10 + 60 * level, 1), at)
        observe(sliding, s["open_tickets"], round(5 * (1 - level)), at)
        if d % 9 > 2:  # data with holes, and no adoption before day 40 (too little weight: no tier)
            observe(gaps, s["weekly_logins"], 2, at)
            if d < 40:
                observe(gaps, s["core_feature_adoption"], 30, at)
        observe(capped, s["weekly_logins"], 3, at)
        observe(capped, s["nps"], 40 - d % 7, at)
        observe(churned, s["weekly_logins"], 1, at)
    cap = Override.objects.create(account=capped, reason="champion_left", effect="cap", value=45,
                                  expires_at=NOW - 10 * DAY)
    penalty = Override.objects.create(account=capped, reason="budget_freeze", effect="penalty", value=12,
                                      expires_at=NOW + 30 * DAY)
    Override.objects.filter(pk=cap.pk).update(created_at=NOW - 40 * DAY)
    Override.objects.filter(pk=penalty.pk).update(created_at=NOW - 20 * DAY)
    Account.objects.filter(pk=churned.pk).update(churned_on=(NOW - 15 * DAY).date())
    return steady, sliding, gaps, capped, churned


def _written():
    snapshots = list(ScoreSnapshot.objects.order_by("account", "date").values_list(
        "account", "date", "score", "raw_tier", "tier", "model_version", "components", "packed", "override_active"))
    snapshots = [(*row[:7], None if row[7] is None else bytes(row[7]), row[8]) for row in snapshots]
    changes = list(ScoreChange.objects.order_by("account", "date", "cause").values_list(
        "account", "date", "cause", "from_score", "to_score", "from_tier", "to_tier", "tier_changed",
        "model_version", "signal_deltas", "summary"))
    scores = list(AccountScore.objects.order_by("account").values_list(
        "account", "score", "raw_tier", "tier", "tier_since", "pending_tier", "pending_since", "trend",
        "delta_7", "delta_30", "delta_90", "computed_at", "components"))
    return snapshots, changes, scores


def _clear():
    ScoreSnapshot.objects.all().delete()
    ScoreChange.objects.all().delete()
    AccountScore.objects.all().delete()


def test_a_rebuild_writes_what_the_full_explanation_every_day_wrote(book, monkeypatch):
    first, last = (NOW - 60 * DAY).date(), (NOW - DAY).date()
    with monkeypatch.context() as m:  # the full path on every day: what the rebuild wrote before
        calls = []
        m.setattr(backfill, "compute_numbers", lambda **kw: calls.append(1) or compute_account(**kw))
        history_rebuild(first_day=first, last_day=last, now=NOW)
        assert calls
    full = _written()
    _clear()
    history_rebuild(first_day=first, last_day=last, now=NOW)
    numbers = _written()
    assert numbers == full
    snapshots, changes, scores = full
    assert all(row[7] is not None for row in snapshots)  # packed, every one
    assert {row[4] for row in snapshots} >= {"", "green", "yellow", "red"}
    assert any(row[8] for row in snapshots) and any(c[7] for c in changes)
    assert len(scores) == 5


def test_a_model_whose_signal_ids_do_not_pack_keeps_full_json_every_day(book, monkeypatch):
    monkeypatch.setattr(snapshot_pack, "MAX_ID", 0)  # as if every signal id were past 65,535
    history_rebuild(first_day=(NOW - 5 * DAY).date(), last_day=(NOW - DAY).date(), now=NOW)
    rows = list(ScoreSnapshot.objects.values_list("packed", "components"))
    assert len(rows) == 4 * 5  # the churned account ended before the range
    assert all(p is None and c["signals"][0]["label"] for p, c in rows)


def test_a_snapshot_row_has_every_field_the_model_writes():
    fields = [f.attname for f in ScoreSnapshot._meta.concrete_fields if not f.primary_key]
    assert list(SnapshotRow._fields) == fields


def test_packing_the_numbers_packs_the_same_bytes_as_the_components():
    signals = [("a", 7, 12.5, 3.25), ("b", 300, None, 0.0), ("c", 65535, 0.0, 0.0)]
    components = {"signals": [{"key": k, "sub_score": sub, "contribution": c} for k, _, sub, c in signals]}
    want = snapshot_pack.pack(components, {k: pk for k, pk, *_ in signals})
    assert snapshot_pack.pack_numbers([(pk, sub, c) for _, pk, sub, c in signals]) == want
    assert snapshot_pack.pack_numbers([]) == b""
