"""Forms for the portfolio filters and the override flag."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model

from accounts.roles import Role
from healthscore.bounds import DATE_BOUNDS
from scoring.models import Override, Segment, Tier, TrendLabel

SORTS = {
    "name": "name",
    "score": "score__score",
    "arr": "arr",
    "renewal": "renewal_date",
    "delta": "score__delta_30",
    "owner": "owner__username",
}
RENEWAL_WINDOWS = [("", "Any renewal"), ("30", "Renews ≤ 30 d"), ("60", "Renews ≤ 60 d"), ("90", "Renews ≤ 90 d"),
                   ("180", "Renews ≤ 180 d")]


class PortfolioFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=100, label="Search")
    tier = forms.ChoiceField(required=False, choices=[("", "All tiers"), *Tier.choices])
    trend = forms.ChoiceField(required=False, choices=[("", "Any trend"), *TrendLabel.choices])
    segment = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    owner = forms.ChoiceField(required=False)
    renewal = forms.ChoiceField(required=False, choices=RENEWAL_WINDOWS)
    status = forms.ChoiceField(
        required=False, choices=[("", "Active"), ("all", "All statuses"), ("churned", "Churned"), ("paused", "Paused")]
    )
    # As many digits as Account.arr holds: 1e999999 is refused here, not by the database.
    arr_min = forms.DecimalField(required=False, min_value=0, max_digits=14, decimal_places=2, label="ARR from")
    arr_max = forms.DecimalField(required=False, min_value=0, max_digits=14, decimal_places=2, label="ARR to")
    sort = forms.ChoiceField(required=False, choices=[(k, k) for k in SORTS] + [(f"-{k}", f"-{k}") for k in SORTS])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["segment"].choices = [("", "All segments")] + [(s.pk, s.name) for s in Segment.objects.order_by("name")]
        owners = (
            get_user_model()
            .objects.filter(groups__name__in=[Role.CSM.value, Role.MANAGER.value])
            .distinct()
            .order_by("first_name", "username")
        )
        self.fields["owner"].choices = [("", "Any owner"), ("none", "No owner")] + [
            (str(u.pk), u.get_full_name() or u.username) for u in owners
        ]

    def values(self) -> dict:
        if not self.is_valid():
            return {name: None for name in self.fields} | {"q": "", "sort": ""}
        return self.cleaned_data


class OverrideForm(forms.Form):
    reason = forms.ChoiceField(choices=Override.Reason.choices)
    effect = forms.ChoiceField(choices=Override.Effect.choices)
    value = forms.FloatField(help_text="Cap: the highest score allowed. Penalty: points subtracted.")
    expires = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), label="Expires on", validators=DATE_BOUNDS)
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class NoteForm(forms.Form):
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Add a note", max_length=5000)


class SavedViewForm(forms.Form):
    name = forms.CharField(max_length=60, label="Save these filters as")
    query = forms.CharField(required=False, max_length=1000)
