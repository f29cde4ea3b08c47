"""A simulated customer book whose churn follows its own mechanism (seeded RNG).

Used by ``bench/validation.py`` (figures: AUC, recall, held-out AUC, timings) and by the
tests of the suggestions at scale. The mechanism is deliberately *not* the one the standard
model's defaults assume (usage 40 %):

- two latent states per account follow daily AR(1) walks: *value* (drives the usage
  signals) and *relationship* (drives NPS, tickets and, half, core-feature adoption);
- a third of the accounts lose their champion on a random day: their relationship mean
  drops by 2 from then on; a third go through a usage dip of 60 days that recovers (a
  seasonal pattern, not a churn risk);
- each account renews on one random day of the period; it churns there with probability
  sigmoid(−1.2 − 1.6·relationship 45 days before − 0.3·value 45 days before), so support and
  relationship predict churn and usage barely does; a renewing account with high value
  expands (30 %).

Sub-scores (0–100) are drawn per day from the latents with noise, as the engine would
compute them from observations; snapshots stop at a churn; the score and the effective
tier come from ``scoring.backtest_columns`` (the engine's formula and hysteresis).
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from scoring.backtest_columns import (
    NO_OVERRIDE,
    TIER_CODES,
    SubScores,
    replay_columns,
    rescore_columns,
)
from scoring.backtest_rescore import ModelWeights
from scoring.standard import STANDARD_CATEGORY_WEIGHTS, STANDARD_SIGNAL_WEIGHTS, STANDARD_SIGNALS

KEYS = [row[0] for row in STANDARD_SIGNALS]
CATEGORY = {row[0]: row[2] for row in STANDARD_SIGNALS}
STANDARD_WEIGHTS = ModelWeights(
    category_weights=dict(STANDARD_CATEGORY_WEIGHTS), signal_weights=dict(STANDARD_SIGNAL_WEIGHTS),
    signal_categories=dict(CATEGORY),
)


@dataclass
class Book:
    n: int
    start: date
    end: date
    subs: SubScores  # account = index 0..n−1
    scores: np.ndarray
    tiers: np.ndarray  # codes into TIER_CODES
    outcomes: list[tuple[int, str, date]]  # (account index, kind, date)


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _ar1(rng, mean, days: int, phi: float = 0.97, sd: float = 0.12) -> np.ndarray:
    n = mean.shape[0]
    x = np.empty((n, days))
    x[:, 0] = mean[:, 0] + rng.normal(0, sd / np.sqrt(1 - phi**2), n)
    shocks = rng.normal(0, sd, (n, days))
    for t in range(1, days):
        x[:, t] = mean[:, t] + phi * (x[:, t - 1] - mean[:, t - 1]) + shocks[:, t]
    return x


def simulate(n: int, days: int = 365, *, end: date, seed: int = 15, weights: ModelWeights = STANDARD_WEIGHTS) -> Book:
    rng = np.random.default_rng(seed)
    start = end - timedelta(days=days - 1)
    t = np.arange(days)
    value_mean = np.repeat(rng.normal(0.9, 0.9, n)[:, None], days, axis=1)
    rel_mean = np.repeat(rng.normal(0.9, 0.9, n)[:, None], days, axis=1)
    champion = rng.random(n) < 1 / 3
    champion_day = rng.integers(0, days, n)
    rel_mean -= 2.0 * (champion[:, None] & (t[None, :] >= champion_day[:, None]))
    dip = rng.random(n) < 1 / 3
    dip_day = rng.integers(0, days, n)
    in_dip = dip[:, None] & (t[None, :] >= dip_day[:, None]) & (t[None, :] < dip_day[:, None] + 60)
    value_mean -= 1.8 * in_dip
    value = _ar1(rng, value_mean, days)
    rel = _ar1(rng, rel_mean, days)
    renewal = rng.integers(100, days, n)  # ≥ 100 days of history before each renewal

    churn_p = _sigmoid(-1.2 - 1.6 * rel[np.arange(n), renewal - 45] - 0.3 * value[np.arange(n), renewal - 45])
    churned = rng.random(n) < churn_p
    expanded = ~churned & (value[np.arange(n), renewal] > 1.2) & (rng.random(n) < 0.3)
    outcomes = [
        (i, "churned" if churned[i] else "expanded" if expanded[i] else "renewed", start + timedelta(days=int(renewal[i])))
        for i in range(n)
    ]

    def noisy(x, sd):
        return 100 * _sigmoid(x + rng.normal(0, sd, x.shape))

    days_left = (renewal[:, None] - t[None, :]) % 365
    sub = {
        "active_user_rate": noisy(value, 0.5),
        "weekly_logins": noisy(1.2 * value, 0.6),
        "core_feature_adoption": noisy(0.5 * value + 0.5 * rel, 0.3),
        "open_tickets": noisy(0.8 * rel, 0.8),
        "ticket_age_days": noisy(0.8 * rel, 1.0),
        "nps": noisy(rel, 0.4),
        "days_to_renewal": np.clip((days_left - 15) / 105 * 100, 0, 100),
        "payment_health": np.where(rng.random((n, days)) < 0.05 * (1 + (rel < 0)), 40.0, 100.0),
    }
    sub["active_user_rate"][rng.random((n, days)) < 0.05] = np.nan  # its policy excludes missing data
    alive = ~(churned[:, None] & (t[None, :] > renewal[:, None]))
    rows_acc, rows_day = np.nonzero(alive)
    matrix = np.stack([np.round(sub[k][rows_acc, rows_day], 2) for k in KEYS], axis=1)
    subs = SubScores(
        keys=list(KEYS), account=rows_acc.astype(np.int64), day=(start.toordinal() + rows_day).astype(np.int64),
        sub=matrix, override_effect=np.full(len(rows_acc), NO_OVERRIDE, dtype=np.int8),
        override_value=np.zeros(len(rows_acc)),
    )
    scores = rescore_columns(subs, weights)
    tiers = replay_columns(subs.account, subs.day, scores, weights)
    return Book(n, start, end, subs, scores, tiers, outcomes)


def components_json(keys: list[str], subs_row, score: float) -> str:
    """An engine-shaped components document (what the backtest reads: keys and sub-scores)."""
    signals = [
        {"key": k, "category": CATEGORY.get(k, ""), "sub_score": None if np.isnan(s) else float(s), "status": "ok"}
        for k, s in zip(keys, subs_row, strict=True)
    ]
    return json.dumps({"raw_score": score, "score": score, "signals": signals, "override": None, "top_reasons": []})


def contribution_columns(subs: SubScores, weights: ModelWeights) -> np.ndarray:
    """Each row's contribution per signal (rows × keys; 0 without a sub-score), as the engine stores them."""
    contribution = np.zeros(subs.sub.shape)
    denominator = np.zeros(len(subs))
    for cat in sorted({weights.signal_categories.get(k, "") for k in subs.keys}):
        cols = [j for j, k in enumerate(subs.keys)
                if weights.signal_categories.get(k) == cat and weights.signal_weights.get(k, 0.0) > 0]
        cat_weight = weights.category_weights.get(cat, 0.0)
        if cat_weight <= 0 or not cols:
            continue
        w = np.array([weights.signal_weights[subs.keys[j]] for j in cols])
        present = ~np.isnan(subs.sub[:, cols])
        w_present = present @ w
        has = w_present > 0
        share = np.where(present, w, 0.0) / np.where(has, w_present, 1.0)[:, None]
        contribution[:, cols] = cat_weight * share * np.nan_to_num(subs.sub[:, cols])
        denominator += np.where(has, cat_weight, 0.0)
    return contribution / np.where(denominator > 0, denominator, 1.0)[:, None]


def packed_rows(book: Book, signal_ids: dict[str, int], weights: ModelWeights = STANDARD_WEIGHTS) -> list[bytes]:
    """Each snapshot's signals in the compact format (``scoring.snapshot_pack``) the engine writes."""
    subs = book.subs
    ids = np.array([signal_ids[k] for k in subs.keys], dtype="<u2")
    entries = np.empty((len(subs), len(subs.keys)), dtype=[("id", "<u2"), ("sub", "<f4"), ("contribution", "<f4")])
    entries["id"] = ids[None, :]
    entries["sub"] = subs.sub
    entries["contribution"] = contribution_columns(subs, weights)
    width = entries.dtype.itemsize * len(subs.keys)
    blob = entries.tobytes()
    return [blob[r * width : (r + 1) * width] for r in range(len(subs))]


def load(book: Book, *, version, prefix: str = "book", compact: bool = True) -> dict[int, int]:
    """Write the book's accounts, snapshots and outcomes; account index → account id.

    ``compact``: snapshots as the engine writes them today (packed sub-scores and contributions, no
    JSON signals); else the older full-JSON components, which readers still take."""
    from django.db import connection

    from accounts.models import Account, Outcome
    from scoring.models import ScoreSnapshot, SignalDefinition

    signal_ids = dict(SignalDefinition.objects.values_list("key", "pk"))
    packed = packed_rows(book, signal_ids) if compact else None

    accounts = Account.objects.bulk_create(
        Account(name=f"{prefix} {i}", external_id=f"{prefix}-{i}", segment=version.model.segment) for i in range(book.n)
    )
    ids = {i: a.pk for i, a in enumerate(accounts)}
    subs = book.subs
    if connection.vendor == "postgresql":
        table = ScoreSnapshot._meta.db_table
        with connection.cursor() as cursor, cursor.copy(
            f"COPY {table} (account_id, date, score, raw_tier, tier, model_version_id, components, packed, override_active) "
            "FROM STDIN"
        ) as copy:
            buffer = io.StringIO()
            for r in range(len(subs)):
                tier = TIER_CODES[book.tiers[r]]
                raw = TIER_CODES[int(np.where(book.scores[r] >= version.green_threshold, 2, np.where(book.scores[r] >= version.yellow_threshold, 1, 0)))]
                if packed is None:
                    doc, blob = components_json(subs.keys, subs.sub[r], float(book.scores[r])).replace("\\", "\\\\"), "\\N"
                else:
                    doc, blob = "{}", "\\\\x" + packed[r].hex()
                buffer.write(f"{ids[int(subs.account[r])]}\t{date.fromordinal(int(subs.day[r])).isoformat()}\t{book.scores[r]}\t"
                             f"{raw}\t{tier}\t{version.pk}\t{doc}\t{blob}\tf\n")
                if buffer.tell() > 1 << 24:  # 16 MB at a time: a 10,000-account book is ~1 GB of text
                    copy.write(buffer.getvalue())
                    buffer = io.StringIO()
            copy.write(buffer.getvalue())
    else:
        ScoreSnapshot.objects.bulk_create(
            (ScoreSnapshot(
                account_id=ids[int(subs.account[r])], date=date.fromordinal(int(subs.day[r])), score=float(book.scores[r]),
                raw_tier=TIER_CODES[book.tiers[r]], tier=TIER_CODES[book.tiers[r]], model_version=version,
                components={} if packed else json.loads(components_json(subs.keys, subs.sub[r], float(book.scores[r]))),
                packed=packed[r] if packed else None,
            ) for r in range(len(subs))),
            batch_size=2000,
        )
    Outcome.objects.bulk_create(Outcome(account_id=ids[i], kind=kind, date=when) for i, kind, when in book.outcomes)
    return ids
