from __future__ import annotations

from django import forms

from healthscore.bounds import DATE_BOUNDS


class PeriodForm(forms.Form):
    """The outcome period of the backtest (default: the last 365 days)."""

    start = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}), validators=DATE_BOUNDS)
    end = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}), validators=DATE_BOUNDS)

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise forms.ValidationError("The period must start before it ends.")
        return data


class SuggestForm(PeriodForm):
    """Create a draft with the suggested weights or thresholds of a version (thresholds:
    a published version or a draft, which is then changed in place)."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    kind = forms.ChoiceField(choices=[("weights", "weights"), ("thresholds", "thresholds")], required=False)
    method = forms.ChoiceField(choices=[("", "default"), ("fitted", "fitted"), ("frequency", "frequency")], required=False)
