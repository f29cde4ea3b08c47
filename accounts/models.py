from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q


class Team(models.Model):
    """A CS manager's team: its CSMs and the unassigned queue its tasks fall back to."""

    name = models.CharField(max_length=120, unique=True)
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="managed_teams"
    )
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="teams")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Account(models.Model):
    class ContractType(models.TextChoices):
        MONTHLY = "monthly", "Monthly"
        ANNUAL = "annual", "Annual"
        MULTI_YEAR = "multi_year", "Multi-year"

    class Lifecycle(models.TextChoices):
        ONBOARDING = "onboarding", "Onboarding"
        ADOPTION = "adoption", "Adoption"
        MATURE = "mature", "Mature"
        RENEWAL = "renewal", "Renewal"

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        CHURNED = "churned", "Churned"
        PAUSED = "paused", "Paused"

    name = models.CharField(max_length=200)
    external_id = models.CharField(max_length=100, unique=True, help_text="The id other systems use (CRM, billing).")
    segment = models.ForeignKey("scoring.Segment", null=True, blank=True, on_delete=models.PROTECT, related_name="accounts")
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="accounts")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_accounts",
        help_text="The account's CSM.",
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="managed_accounts"
    )
    arr = models.DecimalField("ARR", max_digits=14, decimal_places=2, default=0)
    contract_type = models.CharField(max_length=20, choices=ContractType.choices, default=ContractType.ANNUAL)
    renewal_date = models.DateField(null=True, blank=True)
    lifecycle_stage = models.CharField(max_length=20, choices=Lifecycle.choices, default=Lifecycle.ADOPTION)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    churned_on = models.DateField(
        null=True, blank=True, help_text="Set from a churned outcome: no scores or tasks after this day."
    )
    contract_start = models.DateField(null=True, blank=True, help_text="When the current contract started.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        indexes = [
            models.Index(fields=["owner", "status"]),
            models.Index(fields=["renewal_date"]),
            models.Index(fields=["segment", "status"]),
        ]
        constraints = [models.CheckConstraint(condition=Q(arr__gte=0), name="account_arr_non_negative")]

    def __str__(self) -> str:
        return self.name

    def days_to_renewal(self, today: date) -> int | None:
        if self.renewal_date is None:
            return None
        return (self.renewal_date - today).days


class AccountDomain(models.Model):
    """An email domain that belongs to an account: how tickets and badges find it."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="domains")
    domain = models.CharField(max_length=253, unique=True)

    class Meta:
        ordering = ["domain"]

    def __str__(self) -> str:
        return self.domain

    def save(self, *args, **kwargs):
        self.domain = self.domain.strip().lower()
        super().save(*args, **kwargs)


class Contact(models.Model):
    class Role(models.TextChoices):
        CHAMPION = "champion", "Champion"
        EXECUTIVE_SPONSOR = "executive_sponsor", "Executive sponsor"
        USER = "user", "User"

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(max_length=200)
    email = models.EmailField(blank=True)
    title = models.CharField(max_length=200, blank=True)
    role = models.CharField(max_length=30, choices=Role.choices, default=Role.USER)
    in_role_since = models.DateField(null=True, blank=True)
    left_at = models.DateField(null=True, blank=True, help_text="Set when the person left the role or company.")
    last_touch_at = models.DateField(
        null=True, blank=True, help_text="Last meeting, call or reply with the team (the CRM's last activity date)."
    )

    class Meta:
        ordering = ["account", "role", "name"]
        indexes = [models.Index(fields=["email"]), models.Index(fields=["account", "role"])]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "email"], condition=~Q(email=""), name="contact_unique_email_per_account"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_role_display()})"


class Outcome(models.Model):
    class Kind(models.TextChoices):
        RENEWED = "renewed", "Renewed"
        CHURNED = "churned", "Churned"
        EXPANDED = "expanded", "Expanded"
        CONTRACTED = "contracted", "Contracted"

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="outcomes")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    date = models.DateField()
    arr_change = models.DecimalField("ARR change", max_digits=14, decimal_places=2, default=0)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date"]
        indexes = [models.Index(fields=["kind", "date"])]
        constraints = [
            models.UniqueConstraint(fields=["account", "kind", "date"], name="outcome_unique_per_account_kind_date")
        ]

    def __str__(self) -> str:
        return f"{self.account} {self.get_kind_display()} {self.date}"


class AccountNote(models.Model):
    """A CSM's note on an account, shown in its timeline with scores, tasks, tickets and outcomes."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["account", "created_at"])]

    def __str__(self) -> str:
        return f"Note on {self.account} by {self.author}"


class SavedView(models.Model):
    """A person's named filter set for a list page (queue, portfolio, tickets): its query string."""

    class Page(models.TextChoices):
        QUEUE = "queue", "Queue"
        PORTFOLIO = "portfolio", "Portfolio"
        TICKETS = "tickets", "Tickets"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views")
    page = models.CharField(max_length=20, choices=Page.choices)
    name = models.CharField(max_length=60)
    query = models.CharField(max_length=1000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["page", "name"]
        constraints = [models.UniqueConstraint(fields=["user", "page", "name"], name="saved_view_unique_name")]

    def __str__(self) -> str:
        return f"{self.get_page_display()}: {self.name}"
