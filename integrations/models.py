"""One row per connected helpdesk: its vendor, the URL key it posts to, and its secrets."""

from __future__ import annotations

import hashlib
import secrets

from django.db import models


def _public_id() -> str:
    return secrets.token_hex(8)


class Integration(models.Model):
    class Vendor(models.TextChoices):
        ZENDESK = "zendesk", "Zendesk"
        INTERCOM = "intercom", "Intercom"
        FRESHDESK = "freshdesk", "Freshdesk"
        HELPSCOUT = "helpscout", "Help Scout"

    vendor = models.CharField(max_length=20, choices=Vendor.choices)
    name = models.CharField(max_length=120, help_text="e.g. 'Zendesk (EU support)'.")
    public_id = models.CharField(
        max_length=32, unique=True, editable=False, default=_public_id,
        help_text="The part of the webhook URL that names this integration (not a secret).",
    )  # fmt: skip
    # The vendor signs with this (or sends it as a Basic password), so it is kept as the vendor needs it —
    # never shown again after it is set, never logged, compared with hmac.compare_digest.
    secret = models.CharField(max_length=200, blank=True, editable=False)
    basic_username = models.CharField(
        max_length=60, blank=True, help_text="Freshdesk only: the username of the webhook's Basic authentication."
    )
    # The sidebar app's key (Zendesk secure setting, Freshdesk secure iparam): only its hash is stored.
    sidebar_key_hash = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_delivery_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_vendor_display()})"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    def secret_generate(self) -> str:
        """A new signing secret / Basic password (Help Scout allows at most 40 characters)."""
        self.secret = secrets.token_urlsafe(30)[:40]
        if self.vendor == self.Vendor.FRESHDESK and not self.basic_username:
            self.basic_username = f"healthscore-{self.public_id[:8]}"
        return self.secret

    def sidebar_key_generate(self) -> str:
        key = f"hsapp_{self.public_id}_{secrets.token_urlsafe(24)}"
        self.sidebar_key_hash = self.hash_key(key)
        return key


class IntegrationEvent(models.Model):
    """A delivery kept without a ticket: a Zendesk ticket event about a ticket we do not hold yet."""

    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=100)
    external_id = models.CharField(max_length=100, blank=True)
    payload = models.JSONField(default=dict)
    received_at = models.DateTimeField()

    class Meta:
        ordering = ["-received_at"]
        indexes = [models.Index(fields=["integration", "external_id"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.external_id}"
