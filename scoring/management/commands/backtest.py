"""manage.py backtest [--model-version ID] [--start D] [--end D] [--json]"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_date

from scoring.backtest import report_as_json
from scoring.models import ScoreModelVersion
from scoring.validation import backtest_run, weights_suggest
from scoring.validation_thresholds import thresholds_suggest


def _date(value: str | None):
    if value is None:
        return None
    parsed = parse_date(value)
    if parsed is None:
        raise CommandError(f"{value!r} is not a date (YYYY-MM-DD).")
    return parsed


def _pct(fig: dict) -> str:
    if not fig["enough"]:
        return f"too few ({fig['numerator']}/{fig['denominator']})"
    return f"{100 * fig['value']:.0f}% ({fig['numerator']}/{fig['denominator']})"


class Command(BaseCommand):
    help = "Backtest the health score against outcomes: recall, precision of red, lead time, renewal rate per tier, AUC."

    def add_arguments(self, parser):
        parser.add_argument("--model-version", type=int, help="Re-score the history with this model version (id).")
        parser.add_argument("--start", help="First outcome date (default: 365 days before the end).")
        parser.add_argument("--end", help="Last outcome date, and the as-of date of the history (default: today).")
        parser.add_argument("--json", action="store_true", help="Print JSON for machines.")

    def handle(self, *args, **options):
        version = None
        if options["model_version"] is not None:
            version = ScoreModelVersion.objects.filter(pk=options["model_version"]).first()
            if version is None:
                raise CommandError(f"No model version with id {options['model_version']}.")
        now = timezone.now()
        start, end = _date(options["start"]), _date(options["end"])
        report = report_as_json(backtest_run(version=version, now=now, start=start, end=end))
        targets = [version] if version else ScoreModelVersion.objects.filter(status="published").select_related("model")
        report["suggested_weights"] = [self._suggestion(v, now, start, end) for v in targets]
        if options["json"]:
            self.stdout.write(json.dumps(report, indent=2, sort_keys=True))
            return
        self._print(report)

    @staticmethod
    def _suggestion(version, now, start, end) -> dict:
        suggestion = weights_suggest(version=version, now=now, start=start, end=end)
        thresholds = thresholds_suggest(version=version, now=now, start=start, end=end)
        return {
            "version": {"id": version.pk, "label": str(version)},
            "enough": suggestion.enough,
            "minimum_churned": suggestion.minimum,
            "minimum_retained": suggestion.minimum_retained,
            "churned_cases": suggestion.churned_cases,
            "retained_cases": suggestion.retained_cases,
            "method": suggestion.method,
            "fitted": None if suggestion.fit is None else suggestion.fit.as_dict(),
            "signals": [ev.as_dict() for ev in suggestion.signals],
            "thresholds": thresholds.as_dict(),
        }

    def _print(self, r: dict) -> None:
        out = self.stdout.write
        mode = "as recorded" if r["mode"] == "recorded" else f"re-scored with {r['version']['label']}"
        out(f"Backtest {r['period']['start']} – {r['period']['end']} ({mode})")
        out("Outcomes: " + (", ".join(f"{n} {k}" for k, n in sorted(r["outcomes"].items())) or "none"))
        out("Recall (churned + contracted flagged N days before):")
        for n, row in r["recall"].items():
            out(f"  {n:>3} days: red {_pct(row['red'])}; red or yellow {_pct(row['red_or_yellow'])}")
        out("Precision of red (churned within N days of a red day):")
        for h, row in r["precision"].items():
            out(f"  {h:>3} days: all {_pct(row['all'])}; no red task done {_pct(row['not_intervened'])}; "
                f"red task done {_pct(row['intervened'])}")
        lead = r["lead_time"]
        if lead["enough"]:
            out(f"Lead time red → churn: median {lead['median']:g} days, quartiles {lead['q1']:g}–{lead['q3']:g} "
                f"({lead['count']} warned, {lead['no_warning']} never red)")
        else:
            out(f"Lead time red → churn: too few ({lead['count']} warned, {lead['no_warning']} never red)")
        out("Renewal rate per tier 90 days before:")
        for tier, row in r["renewal_by_tier"].items():
            verdict = {None: "", True: " as expected", False: " off"}[row["meets"]]
            out(f"  {tier:<6} {_pct(row['figure'])} (expected {row['expected']}){verdict}")
        auc = r["auc"]
        out(f"ROC AUC at 90 days: {auc['value'] if auc['enough'] else 'too few'} "
            f"({auc['positives']} churned, {auc['negatives']} other)")
        out("ROC AUC by horizon: " + ", ".join(
            f"{n} d {a['value'] if a['enough'] else 'too few'}" for n, a in r["auc_by_horizon"].items()))
        out(f"Intervention success (60 days): {_pct(r['intervention_success'])}")
        for s in r["suggested_weights"]:
            out(f"Suggested weights for {s['version']['label']} ({s['churned_cases']} churned, "
                f"{s['retained_cases']} retained{'' if s['enough'] else ', too few to apply'}):")
            fit = s["fitted"]
            if fit:
                out(f"  fitted: held-out AUC {fit['cv_auc']} ({fit['folds']}-fold) vs {fit['current_auc']} for the current weights")
            for ev in s["signals"]:
                fitted = "" if ev["fitted_share"] is None else f"  fitted {100 * ev['fitted_share']:5.1f}%"
                out(f"  {ev['key']:<24} {ev['churned_deteriorated']:>3}/{ev['churned_total']:<3} vs "
                    f"{ev['retained_deteriorated']:>3}/{ev['retained_total']:<3} {100 * ev['excess']:+4.0f} pts lift {ev['lift']:5.2f}  "
                    f"{100 * ev['current_share']:5.1f}% → {100 * ev['suggested_share']:5.1f}%{fitted}")
            t = s["thresholds"]
            out(f"  thresholds: red below {t['current']['red_below']:g} → {t['suggested']['red_below']:g}, green from "
                f"{t['current']['green_from']:g} → {t['suggested']['green_from']:g} "
                f"({t['churned']} churned of {t['cases']}{'' if t['enough'] else ', too few to apply'})")
