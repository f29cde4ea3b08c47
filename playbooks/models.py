from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from scoring.models import Tier


class Severity(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


SEVERITY_RANK = {Severity.LOW: 1, Severity.MEDIUM: 2, Severity.HIGH: 3}


class Playbook(models.Model):
    class Trigger(models.TextChoices):
        ENTER_TIER = "enter_tier", "Entered a tier"
        DOWNGRADE = "downgrade", "Any downgrade"
        RAPID_DECLINE = "rapid_decline", "Rapid decline"
        GRADUAL_DECLINE = "gradual_decline", "Gradual decline"
        RULE = "rule", "Rule (conditions below)"

    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    trigger_kind = models.CharField(max_length=20, choices=Trigger.choices)
    tier = models.CharField(
        max_length=10, choices=Tier.choices, blank=True, help_text="For 'entered a tier': which tier."
    )
    severity = models.CharField(max_length=10, choices=Severity.choices, default=Severity.MEDIUM)
    segment = models.ForeignKey(
        "scoring.Segment", null=True, blank=True, on_delete=models.SET_NULL, help_text="Empty: every segment."
    )
    reenrol_days = models.PositiveIntegerField(
        null=True, blank=True, help_text="Enrol an account at most once per this many days (empty: no limit)."
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["active", "trigger_kind"])]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        if self.trigger_kind == self.Trigger.ENTER_TIER and not self.tier:
            raise ValidationError({"tier": "Choose the tier that triggers this playbook."})


class PlaybookStep(models.Model):
    class AssigneeRole(models.TextChoices):
        OWNER = "owner", "Account owner (CSM)"
        MANAGER = "manager", "Account manager"

    playbook = models.ForeignKey(Playbook, on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveIntegerField(default=1)
    title = models.CharField(max_length=200)
    instructions = models.TextField(blank=True, help_text="What to do and why, shown with the task in the queue.")
    checklist = models.TextField(
        blank=True,
        help_text="One item per line; the CSM ticks them off on the task. Empty: the instructions' sentences.",
    )
    due_offset_hours = models.PositiveIntegerField(default=72, help_text="Due this many hours after the trigger.")
    assignee_role = models.CharField(max_length=10, choices=AssigneeRole.choices, default=AssigneeRole.OWNER)

    class Meta:
        ordering = ["playbook", "order"]
        constraints = [models.UniqueConstraint(fields=["playbook", "order"], name="step_unique_order")]

    def __str__(self) -> str:
        return f"{self.playbook}: {self.order}. {self.title}"

    def checklist_items(self) -> list[str]:
        """The step's checklist: its own lines, or else its instructions cut into sentences and clauses,
        or else one item naming the step, so every task has something to tick off."""
        lines = [line.strip().lstrip("-*•[] ").strip() for line in self.checklist.splitlines()]
        items = [line for line in lines if line]
        if not items:
            text = self.instructions.replace(";", ".").replace("?", "?.")
            items = [part.strip() for part in text.split(".") if part.strip()]
        return [item[0].upper() + item[1:] for item in items] or [self.title]


class RuleCondition(models.Model):
    """One structured condition of a rule playbook; all conditions must hold."""

    class Subject(models.TextChoices):
        SIGNAL_VALUE = "signal_value", "Signal aggregated value"
        SIGNAL_DAYS_SINCE = "signal_days_since", "Days since signal's last observation"
        ACCOUNT_FIELD = "account_field", "Account field"

    class Field(models.TextChoices):
        DAYS_TO_RENEWAL = "days_to_renewal", "Days to renewal"
        ARR = "arr", "ARR"
        CONTRACT_TYPE = "contract_type", "Contract type"
        LIFECYCLE_STAGE = "lifecycle_stage", "Lifecycle stage"
        CHAMPION_DAYS_IN_ROLE = "champion_days_in_role", "Champion days in role"
        SCORE = "score", "Health score"
        TIER = "tier", "Tier"

    class Operator(models.TextChoices):
        LT = "lt", "<"
        LTE = "lte", "≤"
        GT = "gt", ">"
        GTE = "gte", "≥"
        EQ = "eq", "="
        NE = "ne", "≠"
        WITHIN_DAYS = "within_days", "within N days"

    playbook = models.ForeignKey(Playbook, on_delete=models.CASCADE, related_name="conditions")
    subject = models.CharField(max_length=20, choices=Subject.choices)
    signal = models.ForeignKey("scoring.SignalDefinition", null=True, blank=True, on_delete=models.SET_NULL)
    field = models.CharField(max_length=30, choices=Field.choices, blank=True)
    operator = models.CharField(max_length=12, choices=Operator.choices)
    value = models.CharField(max_length=100)

    class Meta:
        ordering = ["playbook", "id"]

    def __str__(self) -> str:
        target = self.signal.key if self.signal_id else self.field
        return f"{self.get_subject_display()} {target} {self.get_operator_display()} {self.value}"

    def clean(self):
        errors = {}
        if self.subject in (self.Subject.SIGNAL_VALUE, self.Subject.SIGNAL_DAYS_SINCE) and not self.signal_id:
            errors["signal"] = "Choose the signal this condition reads."
        if self.subject == self.Subject.ACCOUNT_FIELD and not self.field:
            errors["field"] = "Choose the account field this condition reads."
        text_fields = {self.Field.CONTRACT_TYPE, self.Field.LIFECYCLE_STAGE, self.Field.TIER}
        numeric = not (self.subject == self.Subject.ACCOUNT_FIELD and self.field in text_fields)
        if numeric:
            try:
                float(self.value)
            except (TypeError, ValueError):
                errors["value"] = f"{self.value!r} is not a number."
        elif self.operator not in (self.Operator.EQ, self.Operator.NE):
            errors["operator"] = "Text fields can only be compared with = or ≠."
        if errors:
            raise ValidationError(errors)


class Task(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        DONE = "done", "Done"
        SNOOZED = "snoozed", "Snoozed"
        DISMISSED = "dismissed", "Dismissed"

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="tasks")
    playbook = models.ForeignKey(Playbook, on_delete=models.PROTECT, related_name="tasks")
    step = models.ForeignKey(PlaybookStep, on_delete=models.PROTECT, related_name="tasks")
    team = models.ForeignKey("accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="tasks")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tasks",
        help_text="Empty: in the team's unassigned queue.",
    )
    title = models.CharField(max_length=200)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    severity = models.CharField(max_length=10, choices=Severity.choices)
    priority = models.FloatField(default=0, help_text="Higher first; from severity, due date, ARR, renewal.")
    due_at = models.DateTimeField()
    snoozed_until = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(
        null=True, blank=True, help_text="When work began: the first checklist tick, else completion."
    )
    checklist_done = models.JSONField(default=list, blank=True, help_text="The checklist items ticked off.")
    outcome_note = models.TextField(blank=True)
    dismiss_reason = models.TextField(blank=True)
    opened_by_change = models.ForeignKey(
        "scoring.ScoreChange", null=True, blank=True, on_delete=models.SET_NULL, related_name="tasks"
    )
    opened_in_tier = models.CharField(max_length=10, choices=Tier.choices, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    escalated_at = models.DateTimeField(null=True, blank=True)

    ACTIVE_STATUSES = (Status.OPEN, Status.SNOOZED)

    class Meta:
        ordering = ["-priority", "due_at"]
        constraints = [
            # At most one live task per account and step: a re-trigger, a replay
            # or two workers racing on the same account hit this index.
            models.UniqueConstraint(
                fields=["account", "step"],
                condition=Q(status__in=["open", "snoozed"]),
                name="task_one_open_per_account_step",
            ),
            # One task per change-log entry and step, whatever its status: acting on the same
            # change again (a replay of the outbox after a crash, two workers) opens nothing new.
            models.UniqueConstraint(
                fields=["opened_by_change", "step"],
                condition=Q(opened_by_change__isnull=False),
                name="task_one_per_change_step",
            ),
        ]
        indexes = [
            models.Index(fields=["assignee", "status", "priority"], name="task_queue"),
            models.Index(fields=["team", "status"], name="task_team_queue"),
            models.Index(fields=["status", "due_at"], name="task_due"),
            models.Index(fields=["account", "status"], name="task_account"),
            # The dashboard's red interventions of the last 425 days (``scoring.validation.red_intervention_q``
            # implies this condition): a range of done tasks, not a scan of every task ever closed.
            models.Index(fields=["closed_at"], name="task_done_red_closed",
                         condition=Q(status="done", opened_in_tier__in=["red", ""])),
        ]

    def __str__(self) -> str:
        return f"{self.title} — {self.account}"


class Notification(models.Model):
    class Channel(models.TextChoices):
        EMAIL = "email", "Email"
        SLACK = "slack", "Slack"

    class Kind(models.TextChoices):
        TIER_CHANGE = "tier_change", "Tier change"
        DIGEST = "digest", "Weekly digest"
        ESCALATION = "escalation", "Overdue escalation"
        TASK = "task", "New task"

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="notifications")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    account = models.ForeignKey("accounts.Account", null=True, blank=True, on_delete=models.CASCADE, related_name="notifications")
    task = models.ForeignKey(Task, null=True, blank=True, on_delete=models.SET_NULL, related_name="notifications")
    subject = models.CharField(max_length=255)
    body = models.TextField(blank=True)
    payload = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    # What makes this message unique: "tier_change:<change>:<to tier>:<channel>:<recipient>",
    # "escalation:<task>:<recipient>", "digest:<week>:<recipient>". A replay, a retry or two
    # workers acting on the same record hit this index and store nothing twice.
    dedupe_key = models.CharField(max_length=200, null=True, blank=True, unique=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["recipient", "created_at"]), models.Index(fields=["kind", "created_at"])]

    def __str__(self) -> str:
        return self.subject
