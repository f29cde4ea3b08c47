"""Create a realistic, deterministic demo book: users, segments, signals, models,
playbooks, accounts with 180 days of observations, outcomes, tickets, and the
score history computed from them."""

from __future__ import annotations

import datetime as dt
import logging
import random
import time

from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts.demo import FIRST_NAMES, LAST_NAMES, SimAccount, signal_values, simulate_book
from accounts.models import Account, AccountDomain, Contact, Outcome, Team
from accounts.roles import Role
from healthscore.progress import ProgressBar
from playbooks.models import Notification, Playbook, PlaybookStep, RuleCondition, Task
from scoring.models import Observation, Segment, SignalDefinition
from scoring.standard import (
    ENTERPRISE_CATEGORY_WEIGHTS,
    STANDARD_CATEGORY_WEIGHTS,
    model_version_create,
    standard_model_signals,
)

DEMO_PASSWORD = "demo"
# The last days are replayed one at a time with the playbook triggers.
REPLAY_DAYS = 90
CSMS = [("csm", "Casey", "Morgan"), ("priya", "Priya", "Shah"), ("marco", "Marco", "Bianchi")]

# The seed guides' tier playbooks, plus decline and renewal-risk rules.
PLAYBOOKS = [
    {
        "name": "Red account intervention", "trigger_kind": "enter_tier", "tier": "red", "severity": "high",
        "description": "Escalate immediately: a coordinated save plan, not a single check-in email.",
        "steps": [
            ("Call the champion and confirm the risk", "Ask what changed; note blockers and the decision maker.", 24, "owner"),
            ("Agree a save plan with your manager", "Owner, actions, dates; involve support leadership if tickets drove the drop.", 48, "owner"),
            ("Schedule an executive business review", "Manager to manager; bring usage and ticket evidence.", 168, "manager"),
        ],
    },
    {
        "name": "Yellow account check-in", "trigger_kind": "enter_tier", "tier": "yellow", "severity": "medium",
        "description": "Re-engage before the score drops further: the highest-leverage tier.",
        "steps": [
            ("Wellness check-in call", "Frame it around their goals; review features they pay for but don't use.", 72, "owner"),
            ("Send adoption tips for unused features", "Pick the two core features with the lowest adoption.", 168, "owner"),
        ],
    },
    {
        "name": "Green account expansion", "trigger_kind": "enter_tier", "tier": "green", "severity": "low",
        "description": "Healthy and engaged: expansion and advocacy.",
        "steps": [("Add to next QBR and flag for expansion", "Case study or referral ask if NPS is high.", 336, "owner")],
    },
    {
        "name": "Rapid decline", "trigger_kind": "rapid_decline", "tier": "", "severity": "high", "reenrol_days": 30,
        "description": "Score fell 20+ points within 30 days.",
        "steps": [("Find out what changed this month", "Champion still there? Outage? Budget?", 24, "owner")],
    },
    {
        "name": "Gradual decline", "trigger_kind": "gradual_decline", "tier": "", "severity": "medium", "reenrol_days": 45,
        "description": "A sustained slide over two to three months.",
        "steps": [("Review the adoption trend with the customer", "Show the trend; agree one adoption goal.", 120, "owner")],
    },
    {
        "name": "Renewal at risk: no logins", "trigger_kind": "rule", "tier": "", "severity": "high", "reenrol_days": 30,
        "description": "No login for 14 days and renewal within 60 days.",
        "steps": [("Re-engage before the renewal", "Reach the sponsor; confirm renewal intent.", 24, "owner")],
        "conditions": [("signal_days_since", "weekly_logins", "", "gte", "14"), ("account_field", None, "days_to_renewal", "within_days", "60")],
    },
    {
        "name": "Champion left, no successor", "trigger_kind": "rule", "tier": "", "severity": "high", "reenrol_days": 90,
        "description": "A champion left and nobody took the role within 14 days (derived: champion coverage 0).",
        "steps": [("Find the new champion", "Ask the sponsor who owns the tool now; book an intro within a week.", 48, "owner")],
        "conditions": [("signal_value", "champion_coverage", "", "lt", "1")],
    },
    {
        "name": "New champion onboarding", "trigger_kind": "rule", "tier": "", "severity": "medium", "reenrol_days": 90,
        "description": "The champion has been in role for under 90 days.",
        "steps": [("Meet the new champion", "Walk them through goals, value delivered so far and the roadmap.", 120, "owner")],
        "conditions": [("account_field", None, "champion_days_in_role", "lt", "90")],
    },
]


class Command(BaseCommand):
    help = "Load a realistic, deterministic demo book (users, accounts, 180 days of signals, outcomes, scores)."

    def add_arguments(self, parser):
        parser.add_argument("--accounts", type=int, default=320, help="Number of accounts (default 320).")
        parser.add_argument("--days", type=int, default=180, help="Days of daily observations (default 180).")
        parser.add_argument("--seed", type=int, default=7, help="Random seed (default 7).")
        parser.add_argument("--if-empty", action="store_true", help="Do nothing if accounts already exist.")
        parser.add_argument("--no-scores", action="store_true", help="Skip computing the score history.")

    def handle(self, *args, accounts: int, days: int, seed: int, if_empty: bool, no_scores: bool, **options):
        if accounts < 1 or days < 30:
            raise CommandError("--accounts must be at least 1 and --days at least 30")
        if Account.objects.exists():
            if if_empty:
                self.stdout.write("Demo data already present: nothing to do.")
                return
            raise CommandError("The database already has accounts; seed_demo only fills an empty database.")
        started = time.monotonic()
        # django-q logs every enqueue at INFO; the replay would print hundreds.
        logging.getLogger("django-q").setLevel(logging.WARNING)
        today = timezone.localdate()
        with transaction.atomic():
            self._step("users and roles")
            users = self._users()
            self._step("segments, signals, score models and playbooks")
            segments, signals = self._scoring(users["admin"])
            self._playbooks(signals)
            self._step(f"simulating {accounts} accounts over {days} days (seed {seed})")
            book = simulate_book(accounts=accounts, days=days, today=today, seed=seed, csm_count=len(CSMS))
            account_rows = self._accounts(book, segments, users, today, days)
            self._observations(book, account_rows, signals, today, days, seed)
            self._outcomes(book, account_rows, today, days)
            self._tickets(book, account_rows, today, seed)
        if not no_scores:
            self._scores(book, account_rows, today, days)
        self._summary(book, time.monotonic() - started)

    # -- steps -------------------------------------------------------------
    def _step(self, text: str) -> None:
        self.stdout.write(f"• {text}")

    def _users(self) -> dict[str, User]:
        groups = {role: Group.objects.get(name=role.value) for role in Role}

        def make(username: str, first: str, last: str, role: Role, **extra) -> User:
            user = User.objects.create_user(
                username=username, password=DEMO_PASSWORD, first_name=first, last_name=last,
                email=f"{username}@healthscore.example", **extra,
            )
            user.groups.add(groups[role])
            return user

        users = {
            "admin": make("admin", "Ada", "Admin", Role.OPS, is_staff=True, is_superuser=True),
            "manager": make("manager", "Morgan", "Lee", Role.MANAGER),
            "support": make("support", "Sam", "Rivera", Role.SUPPORT),
        }
        users["csms"] = [make(u, f, last, Role.CSM) for u, f, last in CSMS]
        team = Team.objects.create(name="Customer Success", manager=users["manager"])
        team.members.add(*users["csms"])
        users["team"] = team
        return users

    def _scoring(self, admin: User) -> tuple[dict[str, Segment], dict[str, SignalDefinition]]:
        signals = standard_model_signals()  # the eight standard signals and the derived block
        segments = {
            "smb": Segment.objects.create(name="SMB", slug="smb", is_default=True, description="Self-serve and small teams."),
            "enterprise": Segment.objects.create(name="Enterprise", slug="enterprise", description="Named accounts, multi-year."),
        }
        for key, cats in (("smb", STANDARD_CATEGORY_WEIGHTS), ("enterprise", ENTERPRISE_CATEGORY_WEIGHTS)):
            model_version_create(segment=segments[key], signals=signals, category_weights=cats, actor=admin,
                                 notes="Initial model from the seed guides' defaults.")
        return segments, signals

    def _playbooks(self, signals: dict[str, SignalDefinition]) -> None:
        for spec in PLAYBOOKS:
            playbook = Playbook.objects.create(
                name=spec["name"], description=spec["description"], trigger_kind=spec["trigger_kind"],
                tier=spec["tier"], severity=spec["severity"], reenrol_days=spec.get("reenrol_days"),
            )
            for order, (title, instructions, hours, role) in enumerate(spec["steps"], start=1):
                PlaybookStep.objects.create(
                    playbook=playbook, order=order, title=title, instructions=instructions,
                    due_offset_hours=hours, assignee_role=role,
                )
            for subject, signal_key, field, operator, value in spec.get("conditions", []):
                RuleCondition.objects.create(
                    playbook=playbook, subject=subject, signal=signals.get(signal_key) if signal_key else None,
                    field=field, operator=operator, value=value,
                )

    def _accounts(self, book: list[SimAccount], segments, users, today: dt.date, days: int) -> dict[int, Account]:
        rng = random.Random(len(book))
        stages = ["onboarding", "adoption", "mature", "mature", "renewal"]
        rows = [
            Account(
                name=a.name, external_id=a.external_id, segment=segments[a.segment], team=users["team"],
                owner=users["csms"][a.owner_index], manager=users["manager"], arr=a.arr, contract_type=a.contract_type,
                renewal_date=a.renewal_date, lifecycle_stage="renewal" if (a.renewal_date - today).days < 60 else rng.choice(stages),
                status="churned" if a.churn_day is not None else "active",
            )
            for a in book
        ]
        created = Account.objects.bulk_create(rows)
        by_index = {a.index: row for a, row in zip(book, created, strict=True)}
        AccountDomain.objects.bulk_create(AccountDomain(account=by_index[a.index], domain=a.domain) for a in book)
        contacts = []
        first_day = today - dt.timedelta(days=days - 1)
        for a in book:
            acct = by_index[a.index]

            def person(i: int, domain: str = a.domain) -> tuple[str, str]:
                first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
                return f"{first} {last}", f"{first.lower()}.{last.lower()}{i}@{domain}"

            champion_since = first_day - dt.timedelta(days=rng.randint(60, 700))
            name, email = person(1)
            champion = Contact(account=acct, name=name, email=email, role="champion", title="Head of Operations",
                               in_role_since=champion_since)
            contacts.append(champion)
            if a.champion_change_day is not None:  # a collapse: the champion left, a successor started days later
                champion.left_at = first_day + dt.timedelta(days=a.champion_change_day)
                name, email = person(2)
                contacts.append(Contact(account=acct, name=name, email=email, role="champion", title="Operations Manager",
                                        in_role_since=champion.left_at + dt.timedelta(days=5)))
            name, email = person(3)
            contacts.append(Contact(account=acct, name=name, email=email, role="executive_sponsor", title="VP Operations",
                                    in_role_since=champion_since - dt.timedelta(days=200)))
            for i in range(4, 4 + rng.randint(1, 3)):
                name, email = person(i)
                contacts.append(Contact(account=acct, name=name, email=email, role="user", title="Analyst"))
        Contact.objects.bulk_create(contacts)
        return by_index

    def _observations(self, book, accounts, signals, today: dt.date, days: int, seed: int) -> None:
        rng = random.Random(seed * 7919)
        first_day = today - dt.timedelta(days=days - 1)
        progress = ProgressBar(self.stderr, "observations")
        batch: list[Observation] = []
        total = 0
        for n, a in enumerate(book, start=1):
            acct = accounts[a.index]
            last_day = a.churn_day if a.churn_day is not None else days - 1
            renewals = sorted(day for kind, day, _ in a.outcomes if kind != "churned")
            for d in range(last_day + 1):
                date = first_day + dt.timedelta(days=d)
                at = dt.datetime.combine(date, dt.time(0, 30), tzinfo=dt.UTC)
                values = signal_values(rng, a, d)
                upcoming = next((first_day + dt.timedelta(days=r) for r in renewals if r >= d), a.renewal_date)
                values["days_to_renewal"] = float(max((upcoming - date).days, 0))
                for key, value in values.items():
                    if value is None:
                        continue
                    batch.append(Observation(
                        account=acct, signal=signals[key], value=value, observed_at=at, source="demo",
                        idempotency_key=f"demo|{a.external_id}|{key}|{date.isoformat()}",
                    ))
            if len(batch) >= 20_000:
                Observation.objects.bulk_create(batch, batch_size=5_000)
                total += len(batch)
                batch = []
            progress.update(n, len(book))
        Observation.objects.bulk_create(batch, batch_size=5_000)
        total += len(batch)
        progress.close()
        self.stdout.write(f"  {total:,} observations")

    def _outcomes(self, book, accounts, today: dt.date, days: int) -> None:
        first_day = today - dt.timedelta(days=days - 1)
        Outcome.objects.bulk_create(
            Outcome(account=accounts[a.index], kind=kind, date=first_day + dt.timedelta(days=day), arr_change=change,
                    note="Simulated outcome")
            for a in book for kind, day, change in a.outcomes
        )

    def _tickets(self, book, accounts, today: dt.date, seed: int) -> None:
        """The tickets open today: exactly those the simulation left open, with their ages."""
        from support.models import Ticket

        rng = random.Random(seed * 31)
        subjects = ["Export to CSV fails", "SSO login loop", "Invoice shows wrong seats", "Slow dashboard",
                    "API rate limit errors", "How do I bulk-invite users?", "Webhook retries", "Report is missing data"]
        now = timezone.now()
        tickets = []
        for a in book:
            if a.churn_day is not None:
                continue
            for i, age in enumerate(a.open_ticket_ages):
                opened = now - dt.timedelta(days=age, hours=rng.uniform(1, 20))
                tickets.append(Ticket(
                    source=rng.choice(["zendesk", "intercom", "freshdesk"]), external_id=f"{a.index}-{i}",
                    account=accounts[a.index], requester_email=f"user{i}@{a.domain}", subject=rng.choice(subjects),
                    status="pending" if rng.random() < 0.3 else "open", priority=rng.choice(["normal", "high", "urgent"]),
                    escalated=age > 10 and rng.random() < 0.5, opened_at=opened,
                    updated_at=min(now, opened + dt.timedelta(hours=rng.uniform(1, 48))),
                ))
        Ticket.objects.bulk_create(tickets)
        self.stdout.write(f"  {len(tickets)} open support tickets")

    def _scores(self, book, accounts: dict[int, Account], today: dt.date, days: int) -> None:
        """Score history as it would have happened.

        Backfill up to ``REPLAY_DAYS`` ago, then replay the last days one at a
        time with the playbook triggers and simulated CSM work, so the queue
        holds tasks opened on the days they were triggered (some done, some
        overdue). Churned accounts are scored only until they churn.
        """
        from scoring.services import scores_recompute

        try:
            from playbooks.triggers import triggers_evaluate
        except ImportError:  # the playbooks engine is optional for scoring
            triggers_evaluate = None
        now = timezone.now()
        first_day = today - dt.timedelta(days=days - 1)
        replay = min(REPLAY_DAYS, days // 2)
        replay_start = now - dt.timedelta(days=replay)
        churned_on = {
            accounts[a.index].pk: first_day + dt.timedelta(days=a.churn_day) for a in book if a.churn_day is not None
        }
        live_at_replay = sorted(
            pk for pk in (a.pk for a in accounts.values())
            if pk not in churned_on or churned_on[pk] > replay_start.date()
        )
        self._step(f"score history: backfilling {days - replay} days")
        progress = ProgressBar(self.stderr, "history")
        scores_recompute(  # history: no tasks, no alerts (effects=False)
            account_ids=live_at_replay, now=replay_start, backfill_days=days - replay, effects=False,
            progress=lambda done, total: progress.update(done, len(accounts)),
        )
        done = len(live_at_replay)
        # Accounts that churned before the replay: history up to their last day.
        by_date: dict[dt.date, list[int]] = {}
        for pk, date in churned_on.items():
            if date <= replay_start.date():
                by_date.setdefault(date, []).append(pk)
        for date, pks in sorted(by_date.items()):
            last = dt.datetime.combine(date, dt.time(23, 0), tzinfo=dt.UTC)
            scores_recompute(account_ids=pks, now=last, backfill_days=(date - first_day).days + 1, effects=False)
            done += len(pks)
            progress.update(done, len(accounts))
        progress.close()

        self._step(f"replaying the last {replay} days with playbook triggers and CSM work")
        rng = random.Random(days)
        progress = ProgressBar(self.stderr, "days")
        for back in range(replay - 1, -1, -1):
            day_now = now - dt.timedelta(days=back)
            ids = [pk for pk in live_at_replay if pk not in churned_on or churned_on[pk] >= day_now.date()]
            result = scores_recompute(account_ids=ids, now=day_now, effects=triggers_evaluate is not None)
            if triggers_evaluate is not None:
                from scoring.effects import effects_drain

                step_started = timezone.now()
                effects_drain(ids=result.outbox_ids, now=day_now)
                # created_at is auto_now_add: date the new tasks and notifications on the simulated day.
                Task.objects.filter(created_at__gte=step_started).update(created_at=day_now)
                Notification.objects.filter(created_at__gte=step_started).update(created_at=day_now, sent_at=day_now)
            if back > 0:
                self._csm_work(rng, day_now, churned_on)
            progress.update(replay - back, replay)
        progress.close()
        # Everything above ran synchronously: the recomputes and deliveries it queued
        # for the worker describe the simulated past (its notifications are already
        # marked sent), so they are dropped rather than replayed at the next start.
        from django_q.brokers import get_broker

        get_broker().purge_queue()

    def _csm_work(self, rng: random.Random, day_now: dt.datetime, churned_on: dict[int, dt.date]) -> None:
        """CSMs complete some of their open tasks each day; churned accounts' tasks are dismissed."""
        notes = {
            "high": ["Spoke with the champion; agreed a save plan with weekly check-ins.",
                     "Exec call held; they are re-rolling out to two teams.", "Escalated the blocking bug; fix shipped."],
            "medium": ["Check-in call done; shared tips for the reporting module.", "Sent adoption guide; training booked."],
            "low": ["Added to QBR agenda; expansion conversation in progress."],
        }
        daily = {"high": 0.12, "medium": 0.07, "low": 0.04}
        open_tasks = list(Task.objects.filter(status="open", created_at__lte=day_now - dt.timedelta(days=1)))
        changed = []
        for task in open_tasks:
            if task.account_id in churned_on and churned_on[task.account_id] <= day_now.date():
                task.status, task.dismiss_reason = "dismissed", "Account churned."
            elif rng.random() < daily.get(task.severity, 0.2):
                task.status, task.outcome_note = "done", rng.choice(notes.get(task.severity, notes["medium"]))
                task.closed_by_id = task.assignee_id
            else:
                continue
            task.closed_at = day_now
            changed.append(task)
        Task.objects.bulk_update(changed, ["status", "dismiss_reason", "outcome_note", "closed_by", "closed_at"])

    def _summary(self, book: list[SimAccount], seconds: float) -> None:
        from collections import Counter

        kinds = Counter(a.archetype for a in book)
        outcomes = Counter(kind for a in book for kind, _, _ in a.outcomes)
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"Demo book ready in {seconds:.0f} s: {len(book)} accounts"))
        self.stdout.write("  trajectories: " + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())))
        self.stdout.write("  outcomes: " + ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items())))
        self.stdout.write("")
        self.stdout.write(f"  Logins (password '{DEMO_PASSWORD}' for each; change them before any real use):")
        self.stdout.write("    admin    — CS ops, Django admin")
        self.stdout.write("    manager  — CS manager (dashboard, team queues, validation)")
        self.stdout.write("    csm      — CSM (also: priya, marco)")
        self.stdout.write("    support  — support agent (tickets and health badges)")
