"""What-if preview of a draft model version against the published one, on current data.

Current scores: the engine's ``scoring.services.scores_preview`` (a full recompute under
the draft, nothing written); the fallback re-weights the stored ``AccountScore.components``
with the draft (see ``scoring.backtest_rescore``).
Tiers compared are the tiers by threshold of the current score (raw tiers): once
published, the effective tier follows after the hold days (at once on a rapid decline).
"""

from __future__ import annotations

from datetime import date, datetime

from scoring.backtest_rescore import ModelWeights, contributions, rescore
from scoring.engine import tier_for
from scoring.models import AccountScore, ScoreModelVersion, SignalDefinition
from scoring.services import scores_preview
from scoring.validation import Period, backtest_run, model_subscores, version_weights

TIERS = ("green", "yellow", "red")
RESPONSIBLE_SIGNALS = 3


def _engine_scores(draft: ScoreModelVersion, account_ids: list[int], now: datetime) -> dict[int, float]:
    """Draft scores from a full recompute under the draft (nothing written)."""
    return {aid: result.score for aid, result in scores_preview(version=draft, account_ids=account_ids, now=now).items()}


def _distribution(scores: list[float], width: int = 10) -> list[int]:
    counts = [0] * (100 // width)
    for s in scores:
        counts[min(int(s // width), len(counts) - 1)] += 1
    return counts


def _responsible(components: dict, before: ModelWeights, after: ModelWeights, labels: dict[str, str]) -> list[dict]:
    """Signals whose contribution moves most between the two weightings (points, signed)."""
    old, new = contributions(components, before), contributions(components, after)
    deltas = [(key, new.get(key, 0.0) - old.get(key, 0.0)) for key in old.keys() | new.keys()]
    deltas = sorted((d for d in deltas if abs(d[1]) >= 0.05), key=lambda d: -abs(d[1]))[:RESPONSIBLE_SIGNALS]
    return [{"key": k, "label": labels.get(k, k), "delta": round(d, 1)} for k, d in deltas]


def preview_build(
    *, draft: ScoreModelVersion, now: datetime, with_backtest: bool = True, start: date | None = None,
    end: date | None = None,
) -> dict:
    """Published vs draft on the accounts the draft's model scores today; both backtests over
    the chosen period, as of its end (``scoring.validation.Period``)."""
    published = draft.model.published_version()
    if published is not None and published.pk == draft.pk:
        published = None
    draft_weights = version_weights(draft)
    draft_spec = draft_weights.spec()
    published_weights = version_weights(published) if published else None
    published_spec = published_weights.spec() if published_weights else None
    rows = list(
        AccountScore.objects.filter(model_version__model_id=draft.model_id, account__status="active")
        .select_related("account")
        .order_by("account__name")
    )
    engine = _engine_scores(draft, [r.account_id for r in rows], now)
    labels = dict(SignalDefinition.objects.values_list("key", "label"))
    before_scores, after_scores, changes = [], [], []
    tiers = {"published": dict.fromkeys(TIERS, 0), "draft": dict.fromkeys(TIERS, 0)}
    for row in rows:
        after = engine.get(row.account_id) if engine is not None else rescore(row.components, draft_weights)
        if after is None:
            continue
        before_tier = tier_for(row.score, published_spec) if published_spec else row.raw_tier
        after_tier = tier_for(after, draft_spec)
        before_scores.append(row.score)
        after_scores.append(after)
        tiers["published"][before_tier] += 1
        tiers["draft"][after_tier] += 1
        if before_tier != after_tier:
            # The draft's thresholds alone move the tier when today's score already lands in the new
            # tier under them: then the thresholds are responsible, not (only) the signals.
            by_thresholds = tier_for(row.score, draft_spec) != before_tier
            changes.append({
                "thresholds": {"yellow": draft.yellow_threshold, "green": draft.green_threshold,
                               "tier_of_score_now": tier_for(row.score, draft_spec)} if by_thresholds else None,
                "account": row.account,
                "before_score": row.score,
                "after_score": round(after, 1),
                "before_tier": before_tier,
                "after_tier": after_tier,
                "signals": _responsible(row.components, published_weights, draft_weights, labels)
                if published_weights
                else [],
            })
    published_shares = published_weights.shares() if published_weights else {}
    draft_shares = draft_weights.shares()
    weights = [
        {"key": k, "label": labels.get(k, k), "published": published_shares.get(k), "draft": draft_shares.get(k)}
        for k in sorted(published_shares.keys() | draft_shares.keys(), key=lambda k: -draft_shares.get(k, 0.0))
    ]
    before_dist, after_dist = _distribution(before_scores), _distribution(after_scores)
    return {
        "draft": draft,
        "published": published,
        "source": "engine" if engine is not None else "components",
        "accounts": len(after_scores),
        "tiers": tiers,
        "distribution": [
            {"low": 10 * i, "high": 10 * i + 10, "published": b, "draft": a}
            for i, (b, a) in enumerate(zip(before_dist, after_dist, strict=True))
        ],
        "changes": changes,
        "weights": weights,
        "backtest": _backtests(draft, published, now, start, end) if with_backtest else {"published": None, "draft": None},
    }


def _backtests(
    draft: ScoreModelVersion, published: ScoreModelVersion | None, now: datetime, start: date | None, end: date | None
) -> dict:
    """Both versions' backtests on the same history of the same period, loaded once."""
    series = model_subscores(draft, Period.default(now, start, end))
    period = {"start": start, "end": end}
    return {
        "published": backtest_run(version=published, now=now, series=series, **period) if published else None,
        "draft": backtest_run(version=draft, now=now, series=series, **period),
    }
