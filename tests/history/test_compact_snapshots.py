"""Compact snapshots: sub-scores and contributions packed (10 bytes a signal), the override kept as JSON;
every reader (re-scoring, suggestion, change-log baseline) gets the same values as from the full JSON."""

from __future__ import annotations

import datetime as dt

import time_machine

from scoring.models import AccountScore, ScoreSnapshot
from scoring.services import scores_recompute
from scoring.snapshot_pack import ENTRY, expand, signal_keys
from scoring.validation import Period, component_series
from tests.factories import AccountFactory, observe

NOW = dt.datetime(2026, 6, 15, 12, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)


def test_a_snapshot_packs_what_history_reads(scoring_setup):
    s = scoring_setup.signals
    account = AccountFactory()
    with time_machine.travel(NOW, tick=False):
        for d in range(10):
            observe(account, s["weekly_logins"], 5 + d, NOW - d * DAY)
            observe(account, s["open_tickets"], 3, NOW - d * DAY)
        scores_recompute(now=NOW, backfill_days=5)
    snap = ScoreSnapshot.objects.get(account=account, date=NOW.date())
    full = AccountScore.objects.get(account=account).components  # today's full explanation
    assert snap.components == {} and len(bytes(snap.packed)) == ENTRY.size * len(full["signals"]) == 80
    got = expand(snap.packed, snap.components, signal_keys())
    want = [{"key": x["key"], "sub_score": x["sub_score"], "contribution": x["contribution"]} for x in full["signals"]]
    assert got == {"signals": want, "override": None}
    series = component_series(scoring_setup.version, Period.default(NOW))[account.pk]
    assert len(series) == 5 and series[-1][1] == {
        "signals": [{"key": x["key"], "sub_score": x["sub_score"]} for x in full["signals"]], "override": None}


def test_a_signal_id_past_uint16_keeps_full_json_instead_of_failing_the_write():
    """Packed ids are uint16: a larger SignalDefinition id must not raise inside scores_write (it
    would roll back a whole chunk); the snapshot keeps its JSON instead."""
    from scoring.snapshot_pack import pack

    components = {"signals": [{"key": "logins", "sub_score": 40.0, "contribution": 12.0}]}
    assert pack(components, {"logins": 70_000}) is None
    assert pack(components, {"logins": 7}) is not None


def test_the_snapshots_carry_one_index_by_account_the_unique_key(db):
    """Every lookup by account is served by the unique (account, date) index; a second index on the account
    alone cost ~19 bytes a row (10,000 × 90 bench book) and its upkeep on every snapshot written."""
    from django.db import connection

    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, ScoreSnapshot._meta.db_table)
    by_account = {name: c["columns"] for name, c in found.items() if c["columns"][:1] == ["account_id"]
                  and (c["index"] or c["unique"]) and not c["foreign_key"]}
    assert list(by_account.values()) == [["account_id", "date"]], by_account
    assert found[next(iter(by_account))]["unique"]
