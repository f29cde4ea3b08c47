from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models


class Ticket(models.Model):
    class Source(models.TextChoices):
        GENERIC = "generic", "Generic"
        ZENDESK = "zendesk", "Zendesk"
        INTERCOM = "intercom", "Intercom"
        FRESHDESK = "freshdesk", "Freshdesk"
        HELPSCOUT = "helpscout", "Help Scout"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        PENDING = "pending", "Pending"
        SOLVED = "solved", "Solved"
        CLOSED = "closed", "Closed"

    OPEN_STATUSES = (Status.OPEN, Status.PENDING)

    source = models.CharField(max_length=20, choices=Source.choices, default=Source.GENERIC)
    external_id = models.CharField(max_length=100)
    account = models.ForeignKey(
        "accounts.Account", null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    requester_email = models.EmailField(blank=True)
    subject = models.CharField(max_length=500, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    priority = models.CharField(max_length=20, blank=True)
    escalated = models.BooleanField(default=False)
    csat = models.FloatField(null=True, blank=True, help_text="Satisfaction rating normalised to 0–100.")
    opened_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    solved_at = models.DateTimeField(null=True, blank=True)
    first_response_at = models.DateTimeField(
        null=True, blank=True, help_text="The team's first public reply (first-response time = this − opened)."
    )
    url = models.URLField(blank=True)
    raw = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-updated_at"]
        constraints = [models.UniqueConstraint(fields=["source", "external_id"], name="ticket_unique_per_source")]
        indexes = [models.Index(fields=["account", "status"]), models.Index(fields=["status", "updated_at"])]

    def __str__(self) -> str:
        return f"#{self.external_id} {self.subject}"


class ApiToken(models.Model):
    """A bearer token for other systems. Only a hash of the secret is stored."""

    name = models.CharField(max_length=120)
    prefix = models.CharField(max_length=12, unique=True, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    scope_ingest = models.BooleanField("ingest scope", default=False, help_text="May push signals, accounts, tickets, outcomes.")
    scope_read = models.BooleanField("read scope", default=True, help_text="May read scores and badges.")
    account = models.ForeignKey(
        "accounts.Account",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        help_text="Restrict the token to this account (empty: all accounts).",
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "API token"
        verbose_name_plural = "API tokens"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @classmethod
    def generate(cls, **fields) -> tuple[ApiToken, str]:
        """Create a token; return it with the clear-text key, which is shown once."""
        prefix = secrets.token_hex(4)
        key = f"hs_{prefix}_{secrets.token_urlsafe(32)}"
        token = cls.objects.create(prefix=prefix, key_hash=cls.hash_key(key), **fields)
        return token, key


class ImportJob(models.Model):
    """An admin CSV upload (accounts, contacts, outcomes or observations), imported by a worker (django-q).

    Its steps: uploaded (``mapping``: the columns wait to be mapped), then a dry run (queued, running, done
    with a report), then — from that report — the import itself, with the same mapping. The file is kept in
    the row (any worker machine can read it) until the import ends; ``/imports/<id>/`` shows the job.
    """

    class Status(models.TextChoices):
        MAPPING = "mapping", "Columns to map"
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    class Kind(models.TextChoices):
        ACCOUNTS = "accounts", "Accounts"
        CONTACTS = "contacts", "Contacts"
        OUTCOMES = "outcomes", "Outcomes"
        OBSERVATIONS = "observations", "Observations"

    ERRORS_KEPT = 500

    filename = models.CharField(max_length=255)
    size = models.PositiveBigIntegerField(default=0)
    content = models.BinaryField(editable=False, default=bytes)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.OBSERVATIONS)
    preset = models.CharField(max_length=20, blank=True, help_text="A CRM's column names (hubspot, salesforce).")
    mapping = models.JSONField(default=dict, blank=True, help_text="Header column → field, or - to ignore it.")
    historical = models.BooleanField(default=False, help_text="Past data: no recompute, tasks or notifications.")
    dry_run = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    phase = models.CharField(max_length=20, blank=True)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    rows = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True, help_text="The first problems: [line, field, message].")
    ignored_columns = models.JSONField(default=list, blank=True)
    failure = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_status_display()})"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def in_progress(self) -> bool:
        """Queued or running: its page refreshes itself."""
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    @property
    def importable(self) -> bool:
        """A clean dry run (its file is kept until the import ends): its report offers the import."""
        return self.status == self.Status.DONE and self.dry_run and not self.error_count

    @property
    def percent(self) -> int:
        return 100 * self.done // self.total if self.total else 0
