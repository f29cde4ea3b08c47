"""One absurd value stops nobody (issue #11 item 3): ±1e30 and 1.7e308 on every path.

On the way in (API, CSV import, admin form) a value outside the signal's plausible range —
or, for a signal without one, outside ±1e12 — is refused naming the item or line and the
field. A row that got in some other way (written directly, an old import) is clamped by every
read (SQL and the Python reference alike), shown without error, and scored; an account on
which the engine still fails is skipped, logged and listed while the others are scored.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import math

import pytest
import time_machine
from django.core.management import CommandError, call_command

from accounts.models import Account
from scoring import selectors
from scoring.aggregation import VALUE_LIMIT
from scoring.engine import Obs, SignalAggregate, _fmt, aggregate_observations, score_components
from scoring.models import AccountScore, Observation, ScoreSnapshot, ScoringError, SignalDefinition
from scoring.services import scores_recompute
from tests.factories import AccountFactory, observe
from tests.scoring.conftest import DAY, NOW, model, sig

POISON = [1e30, -1e30, 1.7e308]


# --- on the way in --------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_csv_import_names_line_and_column_and_imports_nothing(tmp_path, scoring_setup):
    AccountFactory(external_id="acme")
    path = tmp_path / "obs.csv"
    path.write_text("account,signal,value,observed_at\n"
                    "acme,weekly_logins,12,2026-06-14T00:00:00Z\n"
                    "acme,weekly_logins,1e30,2026-06-14T00:00:00Z\n"
                    "acme,active_user_rate,-1e30,2026-06-14T00:00:00Z\n"
                    "acme,nps,1.7e308,2026-06-14T00:00:00Z\n"
                    "acme,nps,1e999,2026-06-14T00:00:00Z\n")
    err = io.StringIO()
    with time_machine.travel(NOW, tick=False), pytest.raises(CommandError):
        call_command("import_observations", str(path), stdout=io.StringIO(), stderr=err)
    assert err.getvalue().splitlines() == [
        "line 3, column value: must be between 0 and 1e+06 for signal 'weekly_logins' (its plausible range), got 1e+30",
        "line 4, column value: must be between 0 and 100 for signal 'active_user_rate' (its plausible range), got -1e+30",
        "line 5, column value: must be between -100 and 100 for signal 'nps' (its plausible range), got 1.7e+308",
        "line 6, column value: must be a finite number (no NaN or infinity)",
    ]
    assert Observation.objects.count() == 0


@pytest.mark.django_db
def test_the_admin_refuses_an_implausible_observation(client, ops, scoring_setup):
    account = AccountFactory()
    client.force_login(ops)
    response = client.post("/admin/scoring/observation/add/", {
        "account": account.pk, "signal": scoring_setup.signals["nps"].pk, "value": "1e30",
        "observed_at_0": "2026-06-14", "observed_at_1": "12:00:00", "source": "admin", "idempotency_key": "k1",
    })
    assert response.status_code == 200
    assert "Must be between -100 and 100 for signal &#x27;nps&#x27;" in response.content.decode()
    assert Observation.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize(("fields", "error_field", "message"), [
    ({"min_value": 10, "max_value": 10}, "max_value", "The largest plausible value must be above the smallest."),
    ({"min_value": 20, "max_value": 100}, "bad_value", "The bad value lies outside the plausible range (20 to 100)."),
    ({"max_value": 50}, "good_value", "The good value lies outside the plausible range (−∞ to 50)."),
    ({"min_value": -1e30}, "min_value", "Must be a finite number between -1e+12 and 1e+12."),
    ({"max_value": math.inf}, "max_value", "Must be a finite number between -1e+12 and 1e+12."),
])
def test_a_signal_definition_range_is_validated(fields, error_field, message):
    from django.core.exceptions import ValidationError

    signal = SignalDefinition(key="x", label="X", category="usage", bad_value=10, good_value=70, **fields)
    with pytest.raises(ValidationError) as exc:
        signal.full_clean()
    assert exc.value.message_dict[error_field] == [message]


def test_the_standard_signals_have_plausible_ranges_around_their_scales():
    from scoring.standard import STANDARD_RANGES, STANDARD_SIGNALS

    assert set(STANDARD_RANGES) == {row[0] for row in STANDARD_SIGNALS}
    for key, _label, _cat, _dir, bad, good, *_ in STANDARD_SIGNALS:
        lo, hi = STANDARD_RANGES[key]
        assert lo <= min(bad, good) and max(bad, good) <= hi, key


# --- in the engine ----------------------------------------------------------------------------


@pytest.mark.parametrize("value", [*POISON, math.inf, -math.inf, math.nan])
def test_fmt_never_raises(value):
    text = _fmt(value)
    assert text and "E" not in text  # "−1e+30", "1.7e+308", "infinity", "NaN": never a Decimal error


def test_fmt_keeps_one_decimal_below_1e15():
    assert [_fmt(v) for v in (-1e12, 6.35, 1234.25)] == ["−1,000,000,000,000", "6.4", "1,234.3"]
    assert _fmt(-1e30) == "−1e+30"


@pytest.mark.parametrize("value", POISON)
def test_the_engine_scores_a_poisoned_aggregate_and_explains_it(value):
    a = sig("a", weight=1)  # latest, 0 → 100
    b = sig("b", weight=1, aggregation="mean")
    c = sig("c", weight=1, aggregation="pct_change")
    aggs = {
        a.id: SignalAggregate(newest_at=NOW - DAY, latest=value),
        # Aggregates built elsewhere may hold infinities: inf/inf and inf − inf are NaN.
        b.id: SignalAggregate(newest_at=NOW - DAY, n=2, wsum=math.inf, wtot=math.inf),
        c.id: SignalAggregate(newest_at=NOW - DAY, n=1, vsum=math.inf, pn=1, psum=math.inf),
    }
    comp = score_components(model(a, b, c), aggs, NOW)
    rows = {s["key"]: s for s in comp["signals"]}
    assert rows["a"]["value"] == math.copysign(VALUE_LIMIT, value)
    assert rows["a"]["sub_score"] == (100.0 if value > 0 else 0.0)
    assert (rows["b"]["value"], rows["c"]["value"]) == (None, None)  # not computable: missing, excluded
    assert comp["raw_score"] == (100.0 if value > 0 else 0.0)
    assert sum(s["contribution"] for s in comp["signals"]) == pytest.approx(comp["score"], abs=1e-9)
    json.dumps(comp, allow_nan=False)  # storable as jsonb: no Infinity / NaN token
    if value < 0:
        assert comp["top_reasons"] == ["A low (\u22121,000,000,000,000): \u2212100"]


# --- in the SQL aggregates ---------------------------------------------------------------------


@pytest.fixture
def poisoned(db):
    """Two windowed signals and a latest one, each with two huge rows written directly (no ingest)."""
    signals = [
        SignalDefinition.objects.create(key=k, label=k, category="usage", bad_value=0, good_value=100,
                                        aggregation=a, window_days=30, half_life_days=h, stale_after_days=30)
        for k, a, h in [("p_mean", "mean", 14), ("p_sum", "sum", None), ("p_pct", "pct_change", None),
                        ("p_last", "latest", None)]
    ]
    account = AccountFactory()
    raw = {}
    for s in signals:
        obs = [Obs(NOW - DAY, 1.7e308), Obs(NOW - 2 * DAY, 1.7e308), Obs(NOW - 3 * DAY, -1e30),
               Obs(NOW - 40 * DAY, 1e30), Obs(NOW - 41 * DAY, 1.7e308)]
        for i, o in enumerate(obs):
            observe(account, s, o.value, o.at, source=f"direct{i}")
        raw[s.pk] = obs
    return account, signals, raw


def test_the_sql_aggregates_neither_overflow_nor_differ_from_the_reference(poisoned):
    account, signals, raw = poisoned
    specs = {s.pk: selectors.signal_spec(s) for s in signals}
    got = selectors.signal_aggregates(signals=list(specs.values()), now=NOW, account_ids=[account.pk])[account.pk]
    for sid, spec in specs.items():
        expected = aggregate_observations(spec, raw[sid], NOW)
        assert got[sid].newest_at == expected.newest_at
        if spec.aggregation == "latest":
            assert got[sid].latest == expected.latest == VALUE_LIMIT
            continue
        previous = 2 if spec.aggregation == "pct_change" else 0  # only pct_change reads the window before
        assert (got[sid].n, got[sid].pn) == (expected.n, expected.pn) == (3, previous)
        for f in ("wsum", "wtot", "vsum", "psum"):
            assert math.isfinite(getattr(got[sid], f))
            assert getattr(got[sid], f) == pytest.approx(getattr(expected, f), rel=1e-9), f
    # Clamped to ±1e12 each: 1e12 + 1e12 − 1e12 in the window, 1e12 + 1e12 in the previous one.
    assert got[specs_by_key(specs, "p_sum")].vsum == pytest.approx(VALUE_LIMIT)
    assert got[specs_by_key(specs, "p_pct")].psum == pytest.approx(2 * VALUE_LIMIT)


def specs_by_key(specs, key):
    return next(sid for sid, s in specs.items() if s.key == key)


# --- a whole recompute ---------------------------------------------------------------------------


@pytest.fixture
def book(scoring_setup):
    """Five good accounts and one whose every signal holds ±1e30 and 1.7e308 rows (written directly)."""
    good = AccountFactory.create_batch(5)
    for a in good:
        for key, value in [("weekly_logins", 12), ("nps", 20), ("open_tickets", 1)]:
            observe(a, scoring_setup.signals[key], value, NOW - DAY)
    bad = AccountFactory()
    for s in scoring_setup.signals.values():
        for i, value in enumerate(POISON):
            observe(bad, s, value, NOW - (i + 1) * DAY)
        observe(bad, s, 1.7e308, NOW - 5 * DAY, source="again")
    return good, bad


def test_a_full_recompute_scores_a_poisoned_account_among_good_ones(book, settings):
    good, bad = book
    settings.RECOMPUTE_CHUNK_SIZE = 2  # several chunks (the pipelined path on PostgreSQL)
    scores_recompute(now=NOW)
    scores = {s.account_id: s for s in AccountScore.objects.all()}
    assert set(scores) == {a.pk for a in [*good, bad]}
    assert ScoreSnapshot.objects.count() == 6
    poisoned = scores[bad.pk]
    assert math.isfinite(poisoned.score)
    assert sum(s["contribution"] for s in poisoned.components["signals"]) == pytest.approx(poisoned.score, abs=0.01)
    assert all(s["value"] is None or abs(s["value"]) <= VALUE_LIMIT for s in poisoned.components["signals"])
    assert not ScoringError.objects.exists()


def test_an_account_the_engine_fails_on_is_skipped_logged_and_listed(book, monkeypatch, caplog, client, ops):
    good, bad = book
    from scoring import services

    real = services.compute_account

    def failing(**kw):
        if any(a.latest is not None and abs(a.latest) >= VALUE_LIMIT for a in kw["aggregates"].values()):
            raise ArithmeticError("cannot score this")
        return real(**kw)

    monkeypatch.setattr(services, "compute_account", failing)
    result = scores_recompute(now=NOW)
    assert sorted(result.account_ids) == sorted(a.pk for a in good)
    assert set(AccountScore.objects.values_list("account_id", flat=True)) == {a.pk for a in good}
    assert f"scoring account {bad.pk} failed" in caplog.text
    error = ScoringError.objects.get()
    assert (error.account_id, error.date, error.error) == (bad.pk, NOW.date(), "ArithmeticError: cannot score this")
    assert "ArithmeticError" in error.traceback
    # The same day again: still one row. Listed in the admin.
    scores_recompute(account_ids=[bad.pk], now=NOW + dt.timedelta(hours=1))
    assert ScoringError.objects.count() == 1
    client.force_login(ops)
    page = client.get("/admin/scoring/scoringerror/").content.decode()
    assert Account.objects.get(pk=bad.pk).name in page and "cannot score this" in page
