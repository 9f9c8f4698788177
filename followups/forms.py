from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from followups.models import (
    ATTEMPT_CHANNELS,
    NOTE_CHANNELS,
    NOTE_FIELDS,
    AttemptOutcome,
    FollowUpStatus,
    GoalStatus,
    InactiveReason,
    NoContactReason,
    RiskLevel,
    Satisfaction,
    TargetedNeed,
)
from followups.rules import minutes_as_text, parse_duration
from referrals.forms import DateInput, WithdrawForm


def _blank(choices):
    return [("", "—"), *choices]


class NoteForm(forms.Form):
    week = forms.DateField(
        label=_("Week of"),
        widget=DateInput(),
        help_text=_("Any day of the week: the note is filed under its Monday."),
    )
    meetings = forms.IntegerField(
        label=_("Face-to-face meetings"), min_value=0, max_value=50, initial=0
    )
    meetings_duration = forms.CharField(
        label=_("Total duration of the meetings"),
        required=False,
        max_length=20,
        help_text=_("For example 1h30, 90 or 1:30."),
    )
    other_channels = forms.MultipleChoiceField(
        label=_("Other communications"),
        choices=[(c.value, c.label) for c in NOTE_CHANNELS],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    no_contact_reason = forms.ChoiceField(
        label=_("No meeting or communication: why?"),
        choices=_blank(NoContactReason.choices),
        required=False,
    )
    no_contact_other = forms.CharField(
        label=_("Other reason, specify"), required=False, max_length=300
    )
    main_activity = forms.CharField(label=_("Main activity"), required=False, max_length=200)
    targeted_need = forms.ChoiceField(
        label=_("Targeted need"), choices=_blank(TargetedNeed.choices), required=False
    )
    worker_satisfaction = forms.ChoiceField(
        label=_("Worker's satisfaction"), choices=_blank(Satisfaction.choices), required=False
    )
    participant_satisfaction = forms.ChoiceField(
        label=_("Participant's satisfaction (as perceived)"),
        choices=_blank(Satisfaction.choices),
        required=False,
    )
    activities_summary = forms.CharField(
        label=_("Summary of the week's activities"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Chronological; start with the type of activity and why."),
    )
    other_information = forms.CharField(
        label=_("Other relevant information"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    other_workers_notes = forms.CharField(
        label=_("Notes on the other workers on the case"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    # The service speaks of minutes; the page's field is the typed duration.
    service_error_fields = {"meetings_minutes": "meetings_duration"}

    @staticmethod
    def initial_for(week, existing) -> dict:
        """A new note for the week, or the saved note as the person left it."""
        initial = {"week": week, "meetings": 0}
        if existing:
            initial.update(
                {f: getattr(existing, f) for f in NOTE_FIELDS if f != "meetings_minutes"}
            )
            initial.update(
                meetings_duration=minutes_as_text(existing.meetings_minutes),
                version=existing.version,
            )
        return initial

    def rebase(self, saved) -> None:
        """After a conflict: keep what was typed, on top of the version now saved, so the next
        save is a deliberate choice over what the other person wrote."""
        if saved is not None:
            self.data = self.data.copy()
            self.data["version"] = saved.version

    def clean_meetings_duration(self):
        try:
            return parse_duration(self.cleaned_data["meetings_duration"])
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages) from exc

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data["meetings_minutes"] = data.pop("meetings_duration")
        return data


class AttemptForm(forms.Form):
    at = forms.DateTimeField(
        label=_("Date and time"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    channel = forms.ChoiceField(
        label=_("Channel"), choices=[(c.value, c.label) for c in ATTEMPT_CHANNELS]
    )
    outcome = forms.ChoiceField(label=_("Outcome"), choices=AttemptOutcome.choices)
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    strategy = forms.CharField(
        label=_("Strategy agreed so it does not recur (missed meeting, optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For example: a text message the day before."),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault(
            "at", timezone.localtime().replace(second=0, microsecond=0)
        )
        super().__init__(*args, **kwargs)


class StrategyForm(forms.Form):
    strategy = forms.CharField(
        label=_("Strategy agreed so it does not recur"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example: a text message the day before."),
    )


class StatusForm(forms.Form):
    to_status = forms.ChoiceField(
        label=_("New status"), choices=FollowUpStatus.choices, widget=forms.RadioSelect
    )
    reason = forms.ChoiceField(
        label=_("Reason (inactive)"), choices=_blank(InactiveReason.choices), required=False
    )
    break_terms = forms.CharField(
        label=_("Terms agreed for resuming contact (break)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    break_resume_on = forms.DateField(
        label=_("Expected resume date (break)"), required=False, widget=DateInput()
    )
    participant_view = forms.CharField(
        label=_("The participant's own view (completed)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ParticipationEndForm(WithdrawForm):
    """Withdrawing the program consent: participation ends, no justification needed."""

    research_use_too = forms.BooleanField(
        label=_("The participant also withdraws the research-use clause"),
        required=False,
        help_text=_("The research-use clause is withdrawn on its own; ask the participant."),
    )

    def __init__(self, *args, offer_research_use: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not offer_research_use:
            del self.fields["research_use_too"]


class NeedsForm(forms.Form):
    evaluated_on = forms.DateField(label=_("Evaluated on"), widget=DateInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for value, label in TargetedNeed.choices:
            self.fields[value] = forms.CharField(
                label=label,
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
                help_text=_("A short note; leave blank if it is not a need now."),
            )


class SafetyPlanForm(forms.Form):
    text = forms.CharField(
        label=_("Safety plan"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("What to do and whom to reach in an emergency; agreed with the participant."),
    )
    reviewed_on = forms.DateField(label=_("Last reviewed on"), widget=DateInput())
    next_review_on = forms.DateField(label=_("Next review"), widget=DateInput())


class GoalForm(forms.Form):
    goal = forms.CharField(label=_("Goal"), max_length=300)
    set_on = forms.DateField(label=_("Set on"), widget=DateInput())
    target_on = forms.DateField(label=_("Target date"), required=False, widget=DateInput())


class GoalStatusForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), choices=GoalStatus.choices, widget=forms.RadioSelect
    )
    changed_on = forms.DateField(label=_("Date"), widget=DateInput())
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class RiskForm(forms.Form):
    time_point = forms.IntegerField(
        label=_("Time"), min_value=0, max_value=20, help_text=_("0 = admission, then 1, 2…")
    )
    instrument_done = forms.BooleanField(
        label=_("Self-report questionnaires administered"), required=False
    )
    assessed_on = forms.DateField(label=_("Date"), widget=DateInput())
    level = forms.ChoiceField(
        label=_("Risk level"), choices=RiskLevel.choices, widget=forms.RadioSelect
    )


class HandoverForm(forms.Form):
    """One successor and one transition summary per follow-up (or candidate) of the departing
    worker."""

    def __init__(self, *args, assignments, workers, suggestions, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = []
        for assignment in assignments:
            key = assignment.case_key
            case = (
                assignment.participant.youth_id
                if assignment.participant
                else assignment.referral.display_name
            )
            self.fields[f"successor_{key}"] = forms.ModelChoiceField(
                label=_("Successor for %(id)s") % {"id": case},
                queryset=workers,
                initial=suggestions.get(assignment.pk),
            )
            self.fields[f"summary_{key}"] = forms.CharField(
                label=_("Transition summary for %(id)s") % {"id": case},
                widget=forms.Textarea(attrs={"rows": 3}),
            )
            self.rows.append((assignment, self[f"successor_{key}"], self[f"summary_{key}"]))

    def service_data(self) -> dict:
        return {"items": self.items()}

    def items(self):
        return [
            (
                a,
                self.cleaned_data[f"successor_{a.case_key}"],
                self.cleaned_data[f"summary_{a.case_key}"],
            )
            for a, _s, _t in self.rows
        ]
