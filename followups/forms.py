import hashlib
import json

from django import forms
from django.core.exceptions import ValidationError
from django.forms.utils import flatatt
from django.utils import timezone
from django.utils.choices import BaseChoiceIterator
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from followups.models import (
    ATTEMPT_CHANNELS,
    NOTE_CHANNELS,
    NOTE_FIELDS,
    AttemptOutcome,
    Channel,
    FollowUpStatus,
    GoalStatus,
    InactiveReason,
    NoContactReason,
    RiskLevel,
    Satisfaction,
    TargetedNeed,
)
from followups.rules import LONG_WEEK_MINUTES, minutes_as_text, parse_duration
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
        help_text=_("For example 1h30, 1,5 h, 90 or 1:30."),
    )
    # Shown (as a checkbox) only when the duration is over LONG_WEEK_MINUTES.
    confirm_long_duration = forms.BooleanField(
        label=_("Yes, the meetings of this week really lasted that long."),
        required=False,
        widget=forms.HiddenInput,
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
    # A fingerprint of the values the form was opened with: after a conflict it tells which
    # fields this person changed (kept) from those they did not touch (taken from the other save).
    base = forms.CharField(required=False, widget=forms.HiddenInput)

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
        initial["base"] = fingerprint(note_values(existing))
        return initial

    def rebase(self, saved) -> list[dict]:
        """After a conflict, merge on top of the version now saved: a field this person did not
        change since opening the form takes the other person's value; a field they changed keeps
        what they typed. Returns every field where the two saves differ (theirs and yours, side
        by side), so nothing the other person wrote is dropped unseen by the next save."""
        theirs = note_values(saved)
        mine = self.service_data()
        try:
            base = json.loads(self.cleaned_data.get("base") or "{}")
        except ValueError:
            base = {}
        data = self.data.copy()
        rows = []
        for name in NOTE_FIELDS:
            if _canonical(mine.get(name)) == _canonical(theirs[name]):
                continue
            untouched = base.get(name) == _digest(mine.get(name))
            if untouched:
                self._put(data, name, theirs[name])
            rows.append(
                {
                    "name": name,
                    "label": NOTE_LABELS[name],
                    "theirs": display_value(name, theirs[name]),
                    "mine": display_value(name, mine.get(name)),
                    "kept": "theirs" if untouched else "mine",
                }
            )
        data["version"] = saved.version if saved is not None else ""
        data["base"] = fingerprint(theirs)
        self.data = data
        return rows

    @staticmethod
    def _put(data, name, value) -> None:
        if name == "meetings_minutes":
            data["meetings_duration"] = minutes_as_text(value)
        elif name == "other_channels":
            data.setlist("other_channels", list(value or []))
        else:
            data[name] = "" if value is None else str(value)

    def clean_meetings_duration(self):
        try:
            return parse_duration(self.cleaned_data["meetings_duration"])
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages) from exc

    def clean(self):
        data = super().clean()
        minutes = data.get("meetings_duration") or 0
        if minutes > LONG_WEEK_MINUTES and not data.get("confirm_long_duration"):
            # Ask, beside the field, rather than refuse: some weeks (a crisis, a trip) are long.
            self.fields["confirm_long_duration"].widget = forms.CheckboxInput()
            self.add_error(
                "meetings_duration",
                _("More than %(hours)s hours of meetings in one week: check it, then confirm.")
                % {"hours": LONG_WEEK_MINUTES // 60},
            )
        return data

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("base", None)
        data.pop("confirm_long_duration", None)
        data["meetings_minutes"] = data.pop("meetings_duration")
        return data


NOTE_LABELS = {
    "meetings": _("Face-to-face meetings"),
    "meetings_minutes": _("Total duration of the meetings"),
    "other_channels": _("Other communications"),
    "no_contact_reason": _("No meeting or communication: why?"),
    "no_contact_other": _("Other reason, specify"),
    "main_activity": _("Main activity"),
    "targeted_need": _("Targeted need"),
    "worker_satisfaction": _("Worker's satisfaction"),
    "participant_satisfaction": _("Participant's satisfaction (as perceived)"),
    "activities_summary": _("Summary of the week's activities"),
    "other_information": _("Other relevant information"),
    "other_workers_notes": _("Notes on the other workers on the case"),
}
_CHOICES = {
    "other_channels": dict(Channel.choices),
    "no_contact_reason": dict(NoContactReason.choices),
    "targeted_need": dict(TargetedNeed.choices),
    "worker_satisfaction": dict(Satisfaction.choices),
    "participant_satisfaction": dict(Satisfaction.choices),
}


def note_values(note) -> dict:
    """The note's fields as the service takes them; a note not written yet has the defaults."""
    if note is None:
        return {f: ([] if f == "other_channels" else 0 if f.startswith("meetings") else "")
                for f in NOTE_FIELDS}  # fmt: skip
    return {f: getattr(note, f) for f in NOTE_FIELDS}


def _canonical(value) -> str:
    if isinstance(value, list | tuple):
        return json.dumps(sorted(str(v) for v in value))
    if value is None:
        return ""
    # Browsers send text areas with CRLF line ends; the stored text may have LF.
    return str(value).replace("\r\n", "\n").strip()


def _digest(value) -> str:
    return hashlib.sha256(_canonical(value).encode()).hexdigest()[:16]


def fingerprint(values: dict) -> str:
    return json.dumps({name: _digest(values.get(name)) for name in NOTE_FIELDS})


def display_value(name: str, value) -> str:
    """A note field as the person reads it: labels for codes, durations as typed."""
    if name == "meetings_minutes":
        return minutes_as_text(value or 0)
    if name in _CHOICES:
        labels = _CHOICES[name]
        values = value if isinstance(value, list | tuple) else [value] if value else []
        return ", ".join(str(labels.get(v, v)) for v in values)
    return "" if value is None else str(value)


def display_formatters() -> dict:
    """display_value as one function per note field, the labels translated once (now, in the
    active language) rather than once per cell: for exports of many notes."""

    def choice(labels):
        def show(value):
            values = value if isinstance(value, list | tuple) else [value] if value else []
            return ", ".join(labels.get(v, v) for v in values)

        return show

    formatters = {}
    for name in NOTE_FIELDS:
        if name == "meetings_minutes":
            formatters[name] = lambda value: minutes_as_text(value or 0)
        elif name in _CHOICES:
            formatters[name] = choice({v: str(label) for v, label in _CHOICES[name].items()})
        else:
            formatters[name] = lambda value: "" if value is None else str(value)
    return formatters


class AttemptForm(forms.Form):
    at = forms.DateTimeField(
        label=_("Date and time"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    channel = forms.ChoiceField(
        label=_("Channel"), choices=[(c.value, c.label) for c in ATTEMPT_CHANNELS]
    )
    # No outcome chosen in advance: a save without a look would record a contact (the first
    # choice, reached) or a failure that counts towards inactivity.
    outcome = forms.ChoiceField(label=_("Outcome"), choices=_blank(AttemptOutcome.choices))
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


class NotesExportForm(forms.Form):
    """The coordinator's flat notes export: a period (optional) and a file format."""

    since = forms.DateField(
        label=_("From the week of"),
        required=False,
        widget=DateInput(),
        help_text=_("Empty: from the first note."),
    )
    until = forms.DateField(
        label=_("Up to the week of"),
        required=False,
        widget=DateInput(),
        help_text=_("Empty: up to the latest note."),
    )
    file_format = forms.ChoiceField(
        label=_("File"),
        choices=[("xlsx", _("Excel workbook (.xlsx)")), ("csv", _("CSV text (.csv)"))],
        initial="xlsx",
        widget=forms.RadioSelect,
    )

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            raise ValidationError({"until": _("The end comes before the start.")})
        return data


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


class SharedOptionsSelect(forms.Select):
    """A select whose options are rendered once per selected value and shared by every select of
    the form built on the same choices: the handover page has two selects per follow-up, and a
    departing worker may hold hundreds (Django renders each option through a template, which
    took seconds on such a page). The same markup as forms.Select."""

    def __init__(self, rendered: dict, choices, attrs=None):
        super().__init__(attrs, choices)
        self._rendered = rendered  # selected value -> the options' HTML, shared

    def _options(self, value) -> str:
        selected = "" if value in (None, "") else str(value)
        html = self._rendered.get(selected)
        if html is None:
            html = format_html_join(
                "",
                '<option value="{}"{}>{}</option>',
                (
                    (key, " selected" if str(key) == selected else "", label)
                    for key, label in self.choices
                ),
            )
            self._rendered[selected] = html
        return html

    def render(self, name, value, attrs=None, renderer=None):
        attrs = self.build_attrs(self.attrs, attrs)
        return format_html(
            '<select name="{}"{}>{}</select>', name, flatatt(attrs), self._options(value)
        )


def _attributes(attrs: dict) -> str:
    """Django's widgets/attrs.html without the template engine: in order, a True value as a bare
    name, a False one left out."""
    return mark_safe(  # noqa: S308 (each part escaped by format_html)
        "".join(
            format_html(" {}", name) if value is True else format_html(' {}="{}"', name, value)
            for name, value in attrs.items()
            if value is not False
        )
    )


class PlainTextarea(forms.Textarea):
    """forms.Textarea's markup, written without the template engine: the handover page has one
    per follow-up (50 a batch)."""

    def render(self, name, value, attrs=None, renderer=None):
        attrs = self.build_attrs(self.attrs, attrs)
        return format_html(
            '<textarea name="{}"{}>\n{}</textarea>',
            name,
            _attributes(attrs),
            self.format_value(value) or "",
        )


class _Normalised(BaseChoiceIterator):
    """Choices already in Django's canonical form ((value, label) pairs), shared by many fields:
    Django leaves an iterator as it is where it would walk a list again for every field and
    widget (hundreds of times per handover page)."""

    def __init__(self, pairs: list[tuple]):
        self.pairs = pairs

    def __iter__(self):
        return iter(self.pairs)


class HandoverForm(forms.Form):
    """One successor and one transition summary per follow-up (or candidate) of the departing
    worker, and a new second worker when the successor is already on the case. The workers are
    read once: every row's choices come from the same list (no query per row, whatever the
    caseload)."""

    def __init__(self, *args, assignments, workers, suggestions, **kwargs):
        super().__init__(*args, **kwargs)
        self.workers = {w.pk: w for w in workers}
        choices = _Normalised([("", "—"), *((w.pk, worker_label(w)) for w in workers)])
        rendered: dict[str, str] = {}
        self.rows = []
        for assignment in assignments:
            key = assignment.case_key
            case = (
                assignment.participant.youth_id
                if assignment.participant
                else assignment.referral.display_name
            )
            suggested = suggestions.get(assignment.pk, (None, None))
            self.fields[f"successor_{key}"] = forms.TypedChoiceField(
                label=_("Successor for %(id)s") % {"id": case},
                choices=choices,
                widget=SharedOptionsSelect(rendered, choices),
                coerce=int,
                initial=suggested[0],
            )
            self.fields[f"second_{key}"] = forms.TypedChoiceField(
                label=_("New second worker for %(id)s") % {"id": case},
                choices=choices,
                widget=SharedOptionsSelect(rendered, choices),
                coerce=int,
                empty_value=None,
                required=False,
                initial=suggested[1],
                help_text=_("Only when the successor is already on the case: the pair is kept."),
            )
            self.fields[f"summary_{key}"] = forms.CharField(
                label=_("Transition summary for %(id)s") % {"id": case},
                widget=PlainTextarea(attrs={"rows": 3}),
            )
            self.rows.append(
                (
                    assignment,
                    self[f"successor_{key}"],
                    self[f"second_{key}"],
                    self[f"summary_{key}"],
                )
            )

    def service_data(self) -> dict:
        return {"items": self.items()}

    def display_rows(self):
        """(assignment, successor, second, summary) as rendered field groups: the markup of
        templates/forms/field.html, composed here because rendering that template three times
        per follow-up took seconds for a worker with hundreds of them."""
        for assignment, *fields in self.rows:
            yield assignment, *(field_group(bf) for bf in fields)

    def items(self):
        data, workers = self.cleaned_data, self.workers
        return [
            (
                a,
                workers[data[f"successor_{a.case_key}"]],
                data[f"summary_{a.case_key}"],
                workers.get(data[f"second_{a.case_key}"]),
            )
            for a, *_fields in self.rows
        ]


def field_group(bf) -> str:
    """What templates/forms/field.html renders for a single-widget field (label, widget with
    its aria attributes, help text, errors), without the template engine."""
    star = mark_safe(' <span aria-hidden="true">*</span>') if bf.field.required else ""
    help_text = (
        format_html('<div class="form-text" id="{}_helptext">{}</div>', bf.auto_id, bf.help_text)
        if bf.help_text
        else ""
    )
    errors = (
        format_html('<div class="invalid-feedback d-block">{}</div>', bf.errors)
        if bf.errors
        else ""
    )
    return format_html(
        '<div class="mb-3"><label for="{}" class="form-label">{}{}</label>{}{}{}</div>',
        bf.id_for_label,
        bf.label,
        star,
        bf.as_widget(),
        help_text,
        errors,
    )


def worker_label(worker) -> str:
    """Name, organisations (pairs come from two organisations) and current caseload."""
    orgs = ", ".join(m.organisation.short_name for m in worker.memberships.all() if m.is_active)
    n = getattr(worker, "caseload", 0)
    return ngettext(
        "%(name)s — %(orgs)s — %(n)s follow-up", "%(name)s — %(orgs)s — %(n)s follow-ups", n
    ) % {"name": worker.get_full_name(), "orgs": orgs, "n": n}
