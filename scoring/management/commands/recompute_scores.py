"""manage.py recompute_scores [--account EXTERNAL_ID ...] [--all] [--backfill-days N | --from DATE --to DATE] [--replace]"""

from __future__ import annotations

import datetime as dt
import os
import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from accounts.models import Account
from healthscore.progress import ProgressBar
from scoring.effects import effects_drain
from scoring.history import HistoryExists, RebuildResult, history_rebuild
from scoring.services import scores_recompute


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"{text!r} is not a date (YYYY-MM-DD).") from None


class Command(BaseCommand):
    help = ("Recompute health scores now, rebuild the last N days of daily history, or build the history of "
            "any date range (--from/--to). Rebuilding history opens no task and sends no notification; a "
            "recompute (and --backfill-days, for today's changes) opens the playbook tasks and alerts. A rebuild "
            "(--backfill-days or --from/--to) refuses where its range already holds snapshots, today's included "
            "(it rewrites them): pass --replace to replace them, audited with a change-log marker.")

    def add_arguments(self, parser):
        parser.add_argument("--account", action="append", default=[], metavar="EXTERNAL_ID",
                            help="Account external id; repeat for several.")
        parser.add_argument("--all", action="store_true", help="Every active account (and, for history, "
                            "those that churned during the range).")
        parser.add_argument("--backfill-days", type=int, default=0, metavar="N",
                            help="Rebuild one snapshot a day for the last N days (today included) from the "
                            "observations, day D scored as of now minus (today - D); today's changes open tasks "
                            "and alerts. Refused where those days hold snapshots (today's too) unless --replace.")
        parser.add_argument("--from", dest="first", metavar="YYYY-MM-DD", help="First day of history to build.")
        parser.add_argument("--to", dest="last", metavar="YYYY-MM-DD", help="Last day of history to build.")
        parser.add_argument("--replace", action="store_true",
                            help="With --backfill-days or --from/--to: replace snapshots already stored in the "
                            "range (audited, with a change-log marker).")
        parser.add_argument("--jobs", type=int, default=min(4, os.cpu_count() or 1), metavar="N",
                            help="Processes that compute a history rebuild's chunks side by side, on PostgreSQL "
                            "(default: the CPUs, at most 4; 1 computes them here).")

    def handle(self, *args, account: list[str], all: bool, backfill_days: int, first: str | None,
               last: str | None, replace: bool, jobs: int, **options):
        if bool(account) == bool(all):
            raise CommandError("Give either --all or one or more --account EXTERNAL_ID.")
        if backfill_days < 0:
            raise CommandError("--backfill-days must be 0 or more.")
        if bool(first) != bool(last):
            raise CommandError("Give both --from and --to.")
        if first and backfill_days:
            raise CommandError("Give either --backfill-days or --from/--to.")
        if jobs < 1:
            raise CommandError("--jobs must be at least 1.")
        self.jobs = jobs
        if replace and not (first or backfill_days):
            raise CommandError("--replace goes with --backfill-days or --from/--to (a rebuild of history).")
        ids = None
        if account:
            found = dict(Account.objects.filter(external_id__in=account).values_list("external_id", "pk"))
            unknown = sorted(set(account) - set(found))
            if unknown:
                raise CommandError(f"Unknown account external id(s): {', '.join(unknown)}")
            ids = list(found.values())
        started = time.monotonic()
        if first:
            first_day, last_day = _date(first), _date(last)
            rebuilt = self._rebuild("history", "--from/--to", ids, replace, first_day=first_day, last_day=last_day)
            elapsed = time.monotonic() - started
            self.stdout.write(
                f"Built {rebuilt.snapshots} snapshot(s) for {rebuilt.accounts} account(s), {first_day} to {last_day}, "
                f"in {elapsed:.1f}s ({rebuilt.snapshots / max(elapsed, 1e-9):,.0f}/s){_replaced(rebuilt)}."
            )
            return
        replaced = ""
        if backfill_days:
            rebuilt = self._rebuild("backfill", "--backfill-days", ids, replace, days=backfill_days)
            result, replaced = rebuilt.result, _replaced(rebuilt)
        else:
            bar = ProgressBar(self.stderr, "scores")
            result = scores_recompute(account_ids=ids, now=timezone.now(), progress=bar.update)
            bar.close()
        # The same loop as the workers: act on what the writes recorded (playbook tasks, alerts),
        # then on anything an earlier run or a crashed worker left unacted (the sweeper).
        acted = effects_drain(ids=result.outbox_ids)
        swept = effects_drain()
        tasks = acted.get("tasks", 0) + swept.get("tasks", 0)
        alerts = acted.get("notifications", 0) + swept.get("notifications", 0)
        self.stdout.write(
            f"Recomputed {len(result.account_ids)} account(s) in {time.monotonic() - started:.1f}s; "
            f"{len(result.changes)} change-log entr{'y' if len(result.changes) == 1 else 'ies'} today; "
            f"{tasks} task(s) opened, {alerts} notification(s) queued"
            + (f" ({swept['rows']} earlier record(s) acted on)" if swept.get("rows") else "") + replaced + "."
        )
        failed = acted.get("failed", 0) + swept.get("failed", 0)
        if failed:
            self.stderr.write(f"{failed} outbox record(s) failed; see Score outbox in the admin.")

    def _rebuild(self, label: str, option: str, ids, replace: bool, **span) -> RebuildResult:
        """The guarded rebuild (scoring.history.history_rebuild): refused over stored snapshots unless --replace."""
        bar = ProgressBar(self.stderr, label)
        try:
            return history_rebuild(now=timezone.now(), account_ids=ids, replace=replace, progress=bar.update,
                                   jobs=self.jobs, **span)
        except HistoryExists as exc:
            raise CommandError(str(exc)) from None
        except ValueError as exc:
            raise CommandError(f"{option}: {exc}.") from None
        finally:
            bar.close()


def _replaced(rebuilt: RebuildResult) -> str:
    return f"; replaced {rebuilt.replaced} stored snapshot(s) (audited)" if rebuilt.replaced else ""
