"""manage.py recompute_scores [--account EXTERNAL_ID ...] [--all] [--backfill-days N]"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from accounts.models import Account
from healthscore.progress import ProgressBar
from scoring.effects import effects_drain
from scoring.services import scores_recompute


class Command(BaseCommand):
    help = "Recompute health scores now (optionally rebuilding the last N days of daily history)."

    def add_arguments(self, parser):
        parser.add_argument("--account", action="append", default=[], metavar="EXTERNAL_ID",
                            help="Account external id; repeat for several.")
        parser.add_argument("--all", action="store_true", help="Every active account.")
        parser.add_argument("--backfill-days", type=int, default=0, metavar="N",
                            help="Rebuild one snapshot a day for the last N days from the observations.")

    def handle(self, *args, account: list[str], all: bool, backfill_days: int, **options):
        if bool(account) == bool(all):
            raise CommandError("Give either --all or one or more --account EXTERNAL_ID.")
        if backfill_days < 0:
            raise CommandError("--backfill-days must be 0 or more.")
        ids = None
        if account:
            found = dict(Account.objects.filter(external_id__in=account).values_list("external_id", "pk"))
            unknown = sorted(set(account) - set(found))
            if unknown:
                raise CommandError(f"Unknown account external id(s): {', '.join(unknown)}")
            ids = list(found.values())
        bar = ProgressBar(self.stderr, "backfill" if backfill_days else "scores")
        started = time.monotonic()
        result = scores_recompute(account_ids=ids, now=timezone.now(), backfill_days=backfill_days, progress=bar.update)
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
            + (f" ({swept['rows']} earlier record(s) acted on)" if swept.get("rows") else "") + "."
        )
        failed = acted.get("failed", 0) + swept.get("failed", 0)
        if failed:
            self.stderr.write(f"{failed} outbox record(s) failed; see Score outbox in the admin.")
