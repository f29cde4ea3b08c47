from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q


class Tier(models.TextChoices):
    GREEN = "green", "Green"
    YELLOW = "yellow", "Yellow"
    RED = "red", "Red"


TIER_RANK = {Tier.GREEN: 2, Tier.YELLOW: 1, Tier.RED: 0}


class Category(models.TextChoices):
    USAGE = "usage", "Usage"
    ENGAGEMENT = "engagement", "Engagement"
    SUPPORT = "support", "Support"
    RELATIONSHIP = "relationship", "Relationship"
    COMMERCIAL = "commercial", "Commercial"
    OUTCOME = "outcome", "Outcome"


class TrendLabel(models.TextChoices):
    RAPID_DECLINE = "rapid_decline", "Rapid decline"
    GRADUAL_DECLINE = "gradual_decline", "Gradual decline"
    STABLE = "stable", "Stable"
    IMPROVING = "improving", "Improving"


class Segment(models.Model):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    is_default = models.BooleanField(
        default=False, help_text="Accounts without a segment, or whose segment has no published model, use this one."
    )
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["is_default"], condition=Q(is_default=True), name="segment_single_default")
        ]

    def __str__(self) -> str:
        return self.name


class SignalDefinition(models.Model):
    class Direction(models.TextChoices):
        HIGHER_BETTER = "higher", "Higher is better"
        LOWER_BETTER = "lower", "Lower is better"

    class Aggregation(models.TextChoices):
        LATEST = "latest", "Latest value"
        MEAN = "mean", "Mean over window"
        SUM = "sum", "Sum over window"
        COUNT = "count", "Count of observations in window"
        PCT_CHANGE = "pct_change", "% change vs previous window"

    class MissingPolicy(models.TextChoices):
        EXCLUDE = "exclude", "Exclude and renormalise"
        ZERO = "zero", "Score 0"
        NEUTRAL = "neutral", "Score neutral (50)"
        DECAY = "decay", "Decay toward the bad value (silence counts)"

    key = models.SlugField(max_length=64, unique=True, help_text="Stable identifier used by the API and CSV import.")
    label = models.CharField(max_length=120)
    category = models.CharField(max_length=20, choices=Category.choices)
    direction = models.CharField(max_length=10, choices=Direction.choices, default=Direction.HIGHER_BETTER)
    bad_value = models.FloatField(help_text="Aggregated value that scores 0 points.")
    good_value = models.FloatField(help_text="Aggregated value that scores 100 points.")
    aggregation = models.CharField(max_length=20, choices=Aggregation.choices, default=Aggregation.LATEST)
    window_days = models.PositiveIntegerField(default=30, help_text="Aggregation window, in days.")
    half_life_days = models.FloatField(
        null=True, blank=True, help_text="Recency half-life in days; empty means no decay."
    )
    stale_after_days = models.PositiveIntegerField(
        default=30, help_text="With no observation for this many days the signal counts as missing."
    )
    missing_policy = models.CharField(max_length=10, choices=MissingPolicy.choices, default=MissingPolicy.EXCLUDE)
    # The plausible range of one observation: anything outside is refused on the way in (API 400,
    # CSV line error, admin form error). Empty: only the global ±1e12 bound applies.
    min_value = models.FloatField(
        null=True, blank=True, help_text="Smallest plausible observed value; lower values are refused on ingest."
    )
    max_value = models.FloatField(
        null=True, blank=True, help_text="Largest plausible observed value; higher values are refused on ingest."
    )
    unit = models.CharField(max_length=40, blank=True)
    description = models.TextField(blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["category", "key"]
        constraints = [
            models.CheckConstraint(condition=~Q(bad_value=F("good_value")), name="signal_bad_differs_from_good"),
            models.CheckConstraint(condition=Q(window_days__gt=0), name="signal_window_positive"),
            models.CheckConstraint(
                condition=Q(half_life_days__isnull=True) | Q(half_life_days__gt=0), name="signal_half_life_positive"
            ),
            models.CheckConstraint(condition=Q(stale_after_days__gt=0), name="signal_stale_after_positive"),
        ]

    def __str__(self) -> str:
        return self.label

    def clean(self):
        errors = {}
        if self.bad_value is not None and self.good_value is not None and self.bad_value == self.good_value:
            errors["good_value"] = "The good value must differ from the bad value (they set the 0 and 100 points)."
        if (
            self.direction == self.Direction.HIGHER_BETTER
            and self.bad_value is not None
            and self.good_value is not None
            and self.good_value < self.bad_value
        ):
            errors["direction"] = "Higher is better, so the good value must be above the bad value."
        if (
            self.direction == self.Direction.LOWER_BETTER
            and self.bad_value is not None
            and self.good_value is not None
            and self.good_value > self.bad_value
        ):
            errors["direction"] = "Lower is better, so the good value must be below the bad value."
        if self.window_days is not None and self.window_days <= 0:
            errors["window_days"] = "The window must be at least one day."
        if self.half_life_days is not None and self.half_life_days <= 0:
            errors["half_life_days"] = "The half-life must be positive (or empty for no decay)."
        if self.stale_after_days is not None and self.stale_after_days <= 0:
            errors["stale_after_days"] = "Stale-after must be at least one day."
        errors.update(self._range_errors())
        if errors:
            raise ValidationError(errors)

    def _range_errors(self) -> dict[str, str]:
        from scoring.aggregation import VALUE_LIMIT

        errors = {}
        for name in ("min_value", "max_value", "bad_value", "good_value"):
            value = getattr(self, name)
            if value is not None and not -VALUE_LIMIT <= value <= VALUE_LIMIT:  # also NaN, ±inf
                errors[name] = f"Must be a finite number between {-VALUE_LIMIT:g} and {VALUE_LIMIT:g}."
        if errors:
            return errors
        lo, hi = self.min_value, self.max_value
        if lo is not None and hi is not None and lo >= hi:
            return {"max_value": "The largest plausible value must be above the smallest."}
        # The 0- and 100-point values must be reachable by a plausible observation.
        for name in ("bad_value", "good_value"):
            value = getattr(self, name)
            if value is None:
                continue
            if (lo is not None and value < lo) or (hi is not None and value > hi):
                label = "bad" if name == "bad_value" else "good"
                shown = f"{'−∞' if lo is None else f'{lo:g}'} to {'∞' if hi is None else f'{hi:g}'}"
                errors[name] = f"The {label} value lies outside the plausible range ({shown})."
        return errors

    def value_error(self, value: float) -> str | None:
        """Why one observed value is not plausible for this signal, or None (as on ingest)."""
        from scoring.ingest import value_range_error

        return value_range_error(value, key=self.key, min_value=self.min_value, max_value=self.max_value)


class ScoreModel(models.Model):
    """The scoring model of one segment; its content lives in numbered versions."""

    segment = models.OneToOneField(Segment, on_delete=models.PROTECT, related_name="score_model")
    name = models.CharField(max_length=120)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def published_version(self) -> ScoreModelVersion | None:
        return self.versions.filter(status=ScoreModelVersion.Status.PUBLISHED).first()


class ScoreModelVersion(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        RETIRED = "retired", "Retired"

    model = models.ForeignKey(ScoreModel, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    green_threshold = models.FloatField(default=75)
    yellow_threshold = models.FloatField(default=50)
    hold_days = models.PositiveIntegerField(default=7, help_text="Days a new tier must hold before it takes effect.")
    rapid_decline_points = models.FloatField(default=20)
    rapid_decline_days = models.PositiveIntegerField(default=30)
    min_data_share = models.FloatField(
        default=0.1, validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text="Share of the model's weight (0–1) that must have data before an account gets a tier; "
                  "below it the account is 'not enough data yet' (no tier, no playbook, no alert).",
    )
    notes = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["model", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["model", "number"], name="model_version_unique_number"),
            models.UniqueConstraint(
                fields=["model"], condition=Q(status="published"), name="model_single_published_version"
            ),
            models.CheckConstraint(
                condition=Q(yellow_threshold__gte=0)
                & Q(green_threshold__lte=100)
                & Q(yellow_threshold__lt=F("green_threshold")),
                name="model_version_thresholds_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.model} v{self.number} ({self.get_status_display()})"

    @property
    def is_editable(self) -> bool:
        return self.status == self.Status.DRAFT

    def clean(self):
        errors = {}
        if self.yellow_threshold is not None and not 0 <= self.yellow_threshold <= 100:
            errors["yellow_threshold"] = "The yellow threshold must be between 0 and 100."
        if self.green_threshold is not None and not 0 <= self.green_threshold <= 100:
            errors["green_threshold"] = "The green threshold must be between 0 and 100."
        if (
            "yellow_threshold" not in errors
            and "green_threshold" not in errors
            and self.yellow_threshold is not None
            and self.green_threshold is not None
            and self.yellow_threshold >= self.green_threshold
        ):
            errors["green_threshold"] = "The green threshold must be above the yellow threshold (0 ≤ yellow < green ≤ 100)."
        if errors:
            raise ValidationError(errors)


class CategoryWeight(models.Model):
    version = models.ForeignKey(ScoreModelVersion, on_delete=models.CASCADE, related_name="category_weights")
    category = models.CharField(max_length=20, choices=Category.choices)
    weight = models.FloatField()

    class Meta:
        ordering = ["version", "category"]
        constraints = [
            models.UniqueConstraint(fields=["version", "category"], name="category_weight_unique"),
            models.CheckConstraint(condition=Q(weight__gte=0), name="category_weight_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()}: {self.weight:g}"


class SignalWeight(models.Model):
    version = models.ForeignKey(ScoreModelVersion, on_delete=models.CASCADE, related_name="signal_weights")
    signal = models.ForeignKey(SignalDefinition, on_delete=models.PROTECT, related_name="weights")
    weight = models.FloatField()

    class Meta:
        ordering = ["version", "signal"]
        constraints = [
            models.UniqueConstraint(fields=["version", "signal"], name="signal_weight_unique"),
            models.CheckConstraint(condition=Q(weight__gte=0), name="signal_weight_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.signal}: {self.weight:g}"


class Observation(models.Model):
    # No index of its own on account: obs_account_signal_time leads with it (one index less to write per row).
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="observations",
                                db_index=False)
    signal = models.ForeignKey(SignalDefinition, on_delete=models.PROTECT, related_name="observations")
    value = models.FloatField()
    observed_at = models.DateTimeField()
    source = models.CharField(max_length=50, default="api")
    # Either the client's own key or "account|signal|observed_at|source": a replay
    # of the same batch hits this unique index and stores nothing twice.
    idempotency_key = models.CharField(max_length=255, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-observed_at"]
        indexes = [
            models.Index(fields=["account", "signal", "observed_at"], name="obs_account_signal_time"),
            models.Index(fields=["observed_at"], name="obs_time"),
        ]

    def __str__(self) -> str:
        return f"{self.signal_id}={self.value} @ {self.observed_at:%Y-%m-%d}"

    def clean(self):
        # The admin form path: the same plausible range as the API and the CSV import.
        if self.signal_id is not None and self.value is not None:
            problem = self.signal.value_error(self.value)
            if problem:
                raise ValidationError({"value": problem.capitalize()})


class AccountScore(models.Model):
    """The current score of an account (one row each), rewritten by every recompute."""

    account = models.OneToOneField("accounts.Account", on_delete=models.CASCADE, primary_key=True, related_name="score")
    score = models.FloatField()
    raw_tier = models.CharField(max_length=10, choices=Tier.choices, blank=True)
    tier = models.CharField(max_length=10, choices=Tier.choices, blank=True,
                            help_text="Effective tier, after hysteresis; empty: not enough data yet.")
    tier_since = models.DateField(null=True, blank=True)
    pending_tier = models.CharField(max_length=10, choices=Tier.choices, blank=True)
    pending_since = models.DateField(null=True, blank=True)
    trend = models.CharField(max_length=20, choices=TrendLabel.choices, default=TrendLabel.STABLE)
    delta_7 = models.FloatField(null=True, blank=True)
    delta_30 = models.FloatField(null=True, blank=True)
    delta_90 = models.FloatField(null=True, blank=True)
    model_version = models.ForeignKey(ScoreModelVersion, on_delete=models.PROTECT, related_name="+")
    computed_at = models.DateTimeField()
    components = models.JSONField(default=dict)

    class Meta:
        indexes = [models.Index(fields=["tier", "score"]), models.Index(fields=["trend"])]

    def __str__(self) -> str:
        return f"{self.account_id}: {self.score:.1f} {self.tier}"


class ScoreSnapshot(models.Model):
    # No index of its own: the unique (account, date) index below leads with the account and serves every
    # lookup by account (a second one cost ~19 bytes a row and its upkeep on every snapshot written).
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="snapshots",
                                db_index=False)
    date = models.DateField()
    score = models.FloatField()
    raw_tier = models.CharField(max_length=10, choices=Tier.choices, blank=True)
    tier = models.CharField(max_length=10, choices=Tier.choices, blank=True, help_text="Empty: not enough data yet.")
    model_version = models.ForeignKey(ScoreModelVersion, on_delete=models.PROTECT, related_name="+")
    # Compact history (scoring.snapshot_pack): the signals' sub-scores and contributions packed in
    # ``packed``, and only the override in force in ``components``. Older rows: full JSON, packed null.
    components = models.JSONField(default=dict)
    packed = models.BinaryField(null=True, blank=True)
    override_active = models.BooleanField(default=False)

    class Meta:
        ordering = ["account", "date"]
        # On PostgreSQL the tier rides along in this unique index (INCLUDE, migration 0014): "an account's tier
        # on day D" (the dashboard's day-60 check of each red intervention, ~14,000 probes at 100,000 accounts) is
        # an index-only scan. Not declared here: Django would drop the constraint on SQLite, which has no INCLUDE.
        constraints = [models.UniqueConstraint(fields=["account", "date"], name="snapshot_one_per_account_per_day")]
        indexes = [models.Index(fields=["date", "tier"])]

    def __str__(self) -> str:
        return f"{self.account_id} {self.date}: {self.score:.1f}"


class BookTierDay(models.Model):
    """The whole book's snapshots and ARR per tier on one past day (the dashboard's month ends).

    Read from that day's snapshots once (``scoring.rollups``) instead of aggregating 100,000 of them on
    every dashboard view; forgotten whenever a snapshot of that day is written or removed again
    (``scores_write``, lifecycle), so a backfill or rebuild is never shown stale. The ARR is the
    accounts' ARR when the day was first read.
    """

    date = models.DateField()
    tier = models.CharField(max_length=10, choices=Tier.choices, blank=True)
    accounts = models.PositiveIntegerField()
    arr = models.DecimalField("ARR", max_digits=18, decimal_places=2)
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["date", "tier"], name="book_tier_day_one_per_tier")]

    def __str__(self) -> str:
        return f"{self.date} {self.tier or 'no tier'}: {self.accounts}"


class AccountTierDay(models.Model):
    """An account's tier on one past day as the stay measure reads it (``scoring.measures``): its snapshot of
    that day or the latest at most ``TOLERANCE_DAYS`` earlier; ``tier`` null when there is none.

    The dashboard's day-60 check of each red intervention, kept once read (``scoring.rollups``) instead of
    ~10,000 index probes into the snapshots on every view at 100,000 accounts; forgotten with the days whose
    snapshots are written or removed again, like ``BookTierDay``.
    """

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    date = models.DateField()
    tier = models.CharField(max_length=10, choices=Tier.choices, null=True, blank=True)

    class Meta:
        # Date first: the dashboard reads a range of days, a rewrite forgets a range of days.
        constraints = [models.UniqueConstraint(fields=["date", "account"], name="account_tier_day_one_per_day")]

    def __str__(self) -> str:
        return f"{self.account_id} {self.date}: {self.tier or 'no snapshot'}"


class ScoreChange(models.Model):
    class Cause(models.TextChoices):
        DATA = "data", "Data"
        MODEL_VERSION = "model_version", "Model version"
        OVERRIDE = "override", "Override"
        # Marker of an explicit, audited rebuild that replaced stored history (scoring.history).
        HISTORY_REPLACED = "history_replaced", "History replaced"
        SIGNAL_DEFINITION = "signal_definition", "Signal definition changed"

    # One entry per account and day for whatever a person or the data did (data, a flag, a signal
    # edit): a later move the same day rewrites that entry (scoring.services), so a flag set after
    # a tier change never logs, tasks or alerts the same "green → red" twice. A new model version
    # keeps its own entry (it re-scores everyone and alerts nobody).
    FOLDED_CAUSES = (Cause.DATA, Cause.OVERRIDE, Cause.SIGNAL_DEFINITION)

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="score_changes")
    date = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)
    from_score = models.FloatField(null=True, blank=True)
    to_score = models.FloatField()
    from_tier = models.CharField(max_length=10, choices=Tier.choices, blank=True)
    to_tier = models.CharField(max_length=10, choices=Tier.choices)
    tier_changed = models.BooleanField(default=False)
    cause = models.CharField(max_length=20, choices=Cause.choices, default=Cause.DATA)
    model_version = models.ForeignKey(ScoreModelVersion, on_delete=models.PROTECT, related_name="+")
    # [{"signal": key, "label": ..., "delta": -8.0}, ...] sorted by |delta| descending
    signal_deltas = models.JSONField(default=list)
    summary = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["account", "date"]), models.Index(fields=["date", "tier_changed"])]
        constraints = [
            # Two workers recomputing the same account on the same day write one entry.
            models.UniqueConstraint(fields=["account", "date", "cause"], name="score_change_one_per_day_cause")
        ]

    def __str__(self) -> str:
        return self.summary or f"{self.account_id} {self.from_score}→{self.to_score}"


class Override(models.Model):
    class Reason(models.TextChoices):
        CHAMPION_LEFT = "champion_left", "Champion left"
        BUDGET_FREEZE = "budget_freeze", "Budget freeze"
        EXEC_ESCALATION = "exec_escalation", "Executive escalation"
        ACQUISITION = "acquisition", "Acquired / reorganised"
        OTHER = "other", "Other"

    class Effect(models.TextChoices):
        CAP = "cap", "Cap score at"
        PENALTY = "penalty", "Subtract points"

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="overrides")
    reason = models.CharField(max_length=30, choices=Reason.choices)
    note = models.TextField(blank=True)
    effect = models.CharField(max_length=10, choices=Effect.choices)
    value = models.FloatField(help_text="The cap (0–100) or the points subtracted.")
    expires_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["account", "expires_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(value__gte=0) & Q(value__lte=100), name="override_value_0_100")
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()}: {self.get_effect_display()} {self.value:g}"


class ScoringError(models.Model):
    """An account a recompute skipped because the engine failed on its data (the others were
    scored): at most one row per account and day (the day's first failure), listed in the admin."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="scoring_errors")
    date = models.DateField()
    occurred_at = models.DateTimeField(help_text="The recompute's time.")
    model_version = models.ForeignKey(
        ScoreModelVersion, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    error = models.CharField(max_length=500)
    traceback = models.TextField(blank=True)

    class Meta:
        ordering = ["-date", "-id"]
        constraints = [models.UniqueConstraint(fields=["account", "date"], name="scoring_error_one_per_account_day")]

    def __str__(self) -> str:
        return f"{self.account_id} @ {self.occurred_at:%Y-%m-%d %H:%M}: {self.error}"


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("Audit events are append-only")

    def delete(self):
        raise TypeError("Audit events are append-only")


class AuditEvent(models.Model):
    """Who changed what, when, with before/after values. Append-only."""

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    action = models.CharField(max_length=30)
    content_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.SET_NULL)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=255)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id"]), models.Index(fields=["created_at"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.object_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("Audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Audit events are append-only")


class IngestCount(models.Model):
    """Observations stored per day and source: the ingest counter behind /metrics.

    Kept in the database (one upsert per stored batch) so every web and worker process adds to
    the same figure; a Prometheus counter in process memory would reset and split across processes.
    """

    day = models.DateField()
    source = models.CharField(max_length=50)
    count = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "source"], name="ingest_count_one_per_day_source")]

    def __str__(self) -> str:
        return f"{self.day} {self.source}: {self.count}"

    @classmethod
    def add(cls, *, day, counts: dict[str, int]) -> None:
        """Add ``counts`` (source -> stored observations) to the day's rows, in one statement."""
        from django.db import connection

        counts = {source: n for source, n in counts.items() if n}
        if not counts:
            return
        table = connection.ops.quote_name(cls._meta.db_table)
        values = ", ".join(["(%s, %s, %s)"] * len(counts))
        params: list = []
        for source, n in counts.items():
            params += [day, source[:50], n]
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (day, source, count) VALUES {values} "
                f"ON CONFLICT (day, source) DO UPDATE SET count = {table}.count + excluded.count",
                params,
            )

    @classmethod
    def totals(cls) -> dict[str, int]:
        return dict(cls.objects.values("source").annotate(total=models.Sum("count")).values_list("source", "total"))


class ScoreOutbox(models.Model):
    """What a score write still has to act on: the transactional outbox of the scoring loop.

    ``scoring.writes.scores_write`` inserts one row per write, in the same transaction as the
    scores, snapshots and change-log rows it names. ``scoring.effects.effects_drain`` turns each
    row into playbook tasks and notifications and marks it acted on, in one transaction with
    what it created; a crash anywhere leaves the row unacted, and the next drain (the worker
    that wrote it, the CLI, the daily run or the watchdog schedule) does it again. Tasks and
    notifications carry unique constraints, so acting twice creates nothing twice.
    """

    created_at = models.DateTimeField(auto_now_add=True)
    account_ids = models.JSONField(default=list, help_text="The accounts whose scores the write stored.")
    change_ids = models.JSONField(default=list, help_text="Its change-log rows dated the write's day.")
    acted_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["id"], condition=Q(acted_at__isnull=True), name="score_outbox_unacted"),
        ]

    def __str__(self) -> str:
        state = f"acted {self.acted_at:%Y-%m-%d %H:%M:%S}" if self.acted_at else "pending"
        return f"outbox {self.pk}: {len(self.account_ids)} accounts, {len(self.change_ids)} changes, {state}"


class DailyRun(models.Model):
    """One daily full recompute and its ledger of chunks (``DailyChunk``).

    Finished when every chunk is done (and the active accounts still without the day's snapshot,
    if any, got one top-up chunk). The watchdog schedule re-enqueues chunks that stopped.
    """

    date = models.DateField(help_text="The day whose snapshots the run writes.")
    created_at = models.DateTimeField(auto_now_add=True)
    accounts = models.PositiveIntegerField(default=0)
    chunk_size = models.PositiveIntegerField(default=0)
    topped_up = models.BooleanField(default=False)
    finished_at = models.DateTimeField(null=True, blank=True)
    missing = models.PositiveIntegerField(
        null=True, blank=True, help_text="Active accounts without the day's snapshot when the run finished."
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["finished_at", "created_at"])]

    def __str__(self) -> str:
        return f"daily run {self.date} ({self.accounts} accounts)"


class DailyChunk(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Given up (kept dying)"

    run = models.ForeignKey(DailyRun, on_delete=models.CASCADE, related_name="chunks")
    number = models.PositiveIntegerField()
    first_pk = models.BigIntegerField(null=True, blank=True)
    end_pk = models.BigIntegerField(null=True, blank=True)
    account_ids = models.JSONField(null=True, blank=True, help_text="A top-up chunk: these accounts (no range).")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    enqueues = models.PositiveIntegerField(default=0)
    outcome = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["run", "number"]
        constraints = [models.UniqueConstraint(fields=["run", "number"], name="daily_chunk_unique_number")]
        indexes = [models.Index(fields=["run", "status"])]

    def __str__(self) -> str:
        return f"{self.run} chunk {self.number}: {self.status}"


class RecomputeRequest(models.Model):
    """A recompute asked for by a write (ingest, an override, a publish, a signal edit, the admin).

    ``scoring.tasks.recompute_enqueue`` stores it in the asker's transaction, so the request exists
    exactly when the data it follows does; the task is enqueued on commit and marks it done after
    the scores are written and acted on. A request whose task was lost (a crash right after the
    commit, a Redis broker killed with the task prefetched) is re-enqueued by the watchdog once it
    waited a lease (``DAILY_CHUNK_LEASE_SECONDS``).
    """

    created_at = models.DateTimeField(auto_now_add=True)
    account_ids = models.JSONField(default=list)
    cause = models.CharField(max_length=30, blank=True)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    enqueues = models.PositiveIntegerField(default=1)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["enqueued_at"], condition=Q(done_at__isnull=True),
                                name="recompute_request_pending")]

    def __str__(self) -> str:
        return f"recompute {len(self.account_ids)} accounts ({'done' if self.done_at else 'pending'})"
