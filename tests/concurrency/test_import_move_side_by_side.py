"""A big observation import moves its staged chunks on two connections side by side (PostgreSQL, outside a
transaction): the first row of a repeated key still wins, counts add up, and no staging table is left."""

from __future__ import annotations

import io
import threading

import pytest
from django.core.management import call_command
from django.db import connection

from accounts.models import Account
from scoring.ingest import ObservationStage
from scoring.models import IngestCount, Observation
from tests import factories


def _stages() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE tablename LIKE 'hs\\_obs\\_stage\\_%'")
        return [name for (name,) in cursor.fetchall()]


@pytest.fixture
def book(needs_postgresql):
    factories.standard_scoring_setup()
    Account.objects.create(external_id="acme", name="Acme")
    Account.objects.create(external_id="globex", name="Globex")


def test_chunks_move_side_by_side_and_the_first_row_of_a_key_wins(book, tmp_path, monkeypatch):
    monkeypatch.setattr(ObservationStage, "CHUNK_ROWS", 50)
    sides = []
    real_side, real_chunk = ObservationStage._move_side_by_side, ObservationStage._move_chunk
    monkeypatch.setattr(ObservationStage, "_move_side_by_side",
                        lambda self, *a: sides.append(len(a[0])) or real_side(self, *a))
    second_done = threading.Event()

    def chunk(self, after, last, recompute):
        if after == 0:  # the first chunk waits until the second has committed: the repeats move first
            assert second_done.wait(30)
        result = real_chunk(self, after, last, recompute)
        if after == 51:
            second_done.set()
        return result

    monkeypatch.setattr(ObservationStage, "_move_chunk", chunk)

    def row(i: int, value: int) -> str:
        return f"{'acme' if i % 2 else 'globex'},weekly_logins,{value},2025-01-01T{i // 60:02d}:{i % 60:02d}:00Z"

    # Lines 2–51 the first chunk; lines 52–61 (second chunk) repeat the keys of its first ten with other values.
    rows = [row(i, i % 40) for i in range(50)] + [row(i, 39) for i in range(10)] + [row(i, i % 40)
                                                                                  for i in range(50, 390)]
    path = tmp_path / "obs.csv"
    path.write_text("account,signal,value,observed_at\n" + "\n".join(rows) + "\n")
    out = io.StringIO()
    call_command("import_csv", "observations", str(path), "--historical", "--batch-size", "50", stdout=out,
                 stderr=io.StringIO())
    assert sides == [8]  # 400 rows in chunks of 50, on two connections
    assert "390 created, 0 updated, 10 already present" in out.getvalue()
    assert Observation.objects.count() == 390
    first = dict(Observation.objects.filter(observed_at__minute__lt=10, observed_at__hour=0)
                 .values_list("observed_at__minute", "value"))
    assert first == {i: float(i % 40) for i in range(10)}
    assert sum(IngestCount.objects.values_list("count", flat=True)) == 390
    assert _stages() == []


def test_a_staging_table_left_by_a_dead_backend_is_dropped(book, tmp_path):
    with connection.cursor() as cursor:
        cursor.execute("CREATE UNLOGGED TABLE hs_obs_stage_999999999 (line bigint)")
    path = tmp_path / "obs.csv"
    path.write_text("account,signal,value,observed_at\nacme,weekly_logins,3,2025-01-01T00:00:00Z\n")
    call_command("import_csv", "observations", str(path), "--historical", stdout=io.StringIO(), stderr=io.StringIO())
    assert _stages() == []
    assert Observation.objects.count() == 1
