"""Forms of the queue: they parse input; the rules live in playbooks.task_actions."""

from __future__ import annotations

from django import forms

from playbooks.models import Playbook
from scoring.models import Tier

DUE_CHOICES = [("", "Any time"), ("overdue", "Overdue"), ("today", "Due today"), ("week", "Due this week")]


class QueueFilterForm(forms.Form):
    who = forms.CharField(required=False)
    view = forms.ChoiceField(required=False, choices=[("", "To do"), ("snoozed", "Snoozed")], label="Show")
    tier = forms.ChoiceField(required=False, choices=[("", "All tiers"), *Tier.choices])
    playbook = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    due = forms.ChoiceField(required=False, choices=DUE_CHOICES)
    q = forms.CharField(required=False, max_length=100, label="Search")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["playbook"].choices = [("", "All playbooks")] + [
            (p.pk, p.name) for p in Playbook.objects.only("pk", "name").order_by("name")
        ]

    def values(self) -> dict:
        """The cleaned filters, or no filters at all when the query string is malformed."""
        if not self.is_valid():
            return {"who": "", "view": "", "tier": "", "playbook": None, "due": "", "q": ""}
        return self.cleaned_data


class CompleteForm(forms.Form):
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}), label="Outcome note")


class SnoozeForm(forms.Form):
    until = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}), label="Snooze until")


class DismissForm(forms.Form):
    reason = forms.CharField(required=False, label="Reason")


class ReassignForm(forms.Form):
    # Empty: back to the team's unassigned queue. Who may receive the task is checked by task_reassign.
    assignee = forms.IntegerField(
        required=False, label="Assign to", error_messages={"invalid": "Choose a person from the list."}
    )


class CheckForm(forms.Form):
    item = forms.IntegerField(min_value=0, error_messages={"required": "Say which checklist item."})
    done = forms.BooleanField(required=False)


class BulkForm(forms.Form):
    ACTIONS = [("complete", "Complete"), ("snooze", "Snooze"), ("reassign", "Reassign"), ("dismiss", "Dismiss")]

    action = forms.ChoiceField(choices=ACTIONS)
    task = forms.TypedMultipleChoiceField(coerce=int, required=True, error_messages={"required": "Select some tasks first."})
    note = forms.CharField(required=False)
    until = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    assignee = forms.IntegerField(required=False, error_messages={"invalid": "Choose a person from the list."})
    reason = forms.CharField(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Any integer id is syntactically fine; who may act on it is checked afterwards.
        raw = self.data.getlist("task") if hasattr(self.data, "getlist") else []
        self.fields["task"].choices = [(v, v) for v in raw if str(v).isdigit()]
