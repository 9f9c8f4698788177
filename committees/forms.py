from django import forms
from django.utils.translation import gettext_lazy as _

from committees.models import (
    PRESENTATION_FIELDS,
    ActionStatus,
    AttendanceStatus,
    CasePresentation,
    Committee,
    Frequency,
    MemberRole,
    NewsSource,
)
from committees.services import ONCE
from referrals.forms import DateInput
from spheres.models import Organisation, User


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", **kwargs)


class CommitteeForm(forms.ModelForm):
    default_video_link = forms.URLField(
        label=_("usual video link"), required=False, assume_scheme="https"
    )

    class Meta:
        model = Committee
        fields = [
            "kind", "name", "default_place", "default_video_link", "default_duration_minutes",
            "presentations_per_worker",
        ]  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["default_duration_minutes"].required = False
        self.fields["default_duration_minutes"].initial = None


class MemberForm(forms.Form):
    user = forms.ModelChoiceField(label=_("Person with an account"), queryset=None, required=False)
    organisation = forms.ModelChoiceField(
        label=_("Organisation represented"),
        queryset=Organisation.objects.filter(is_active=True),
        required=False,
        help_text=_("By default, the person's organisation."),
    )
    external_name = forms.CharField(
        label=_("Or: name of a person without an account (Extended Committee)"),
        max_length=200,
        required=False,
    )
    external_organisation = forms.CharField(
        label=_("Their organisation"), max_length=200, required=False
    )
    external_email = forms.EmailField(label=_("Their e-mail address"), required=False)
    role = forms.ChoiceField(label=_("Seat"), choices=MemberRole.choices, widget=forms.RadioSelect)
    starts_on = forms.DateField(label=_("From"), widget=DateInput())
    ends_on = forms.DateField(label=_("To"), required=False, widget=DateInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        people = User.objects.filter(
            is_active=True, memberships__is_active=True, memberships__organisation__is_active=True
        ).distinct()
        self.fields["user"].queryset = people.order_by("last_name", "first_name")
        self.fields["user"].label_from_instance = lambda u: f"{u.get_full_name()} ({u.email})"


class MemberEndForm(forms.Form):
    ends_on = forms.DateField(label=_("Seat ends on"), widget=DateInput())


class MeetingForm(forms.Form):
    day = forms.DateField(label=_("Date (first meeting of a series)"), widget=DateInput())
    start_time = forms.TimeField(label=_("Starts at"), widget=TimeInput())
    frequency = forms.ChoiceField(
        label=_("Repeat"),
        choices=[(ONCE, _("Once")), *Frequency.choices],
        initial=ONCE,
        widget=forms.RadioSelect,
    )
    count = forms.IntegerField(
        label=_("Number of meetings (series)"), min_value=1, max_value=52, initial=1
    )
    duration_minutes = forms.IntegerField(
        label=_("Length (minutes)"),
        min_value=15,
        max_value=600,
        required=False,
        help_text=_("By default, the committee's usual length."),
    )
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    video_link = forms.URLField(label=_("Video link"), required=False, assume_scheme="https")


class AttendanceForm(forms.Form):
    """One status per member seated on the meeting's date; a substitute says whom they replace."""

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.members = members
        titulars = [m for m in members if m.role == MemberRole.TITULAR]
        for member in members:
            self.fields[f"status_{member.pk}"] = forms.ChoiceField(
                label=f"{member.name} — {member.organisation_label}",
                choices=AttendanceStatus.choices,
                widget=forms.RadioSelect,
            )
            if member.role == MemberRole.SUBSTITUTE:
                self.fields[f"replaces_{member.pk}"] = forms.TypedChoiceField(
                    label=_("%(name)s replaces") % {"name": member.name},
                    choices=[("", "—")] + [(str(t.pk), t.name) for t in titulars],
                    required=False,
                    coerce=int,
                    empty_value=None,
                )

    def service_data(self) -> dict:
        by_id = {m.pk: m for m in self.members}
        rows = []
        for member in self.members:
            replaces = self.cleaned_data.get(f"replaces_{member.pk}")
            rows.append((member, self.cleaned_data[f"status_{member.pk}"], by_id.get(replaces)))
        return {"rows": rows}


class ItemAddForm(forms.Form):
    title = forms.CharField(label=_("Topic"), max_length=200, required=False)
    youth_id = forms.CharField(
        label=_("Or a case to present: youth ID"), max_length=12, required=False
    )
    note = forms.CharField(
        label=_("Annotation"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


def rebase(form, version: int) -> None:
    """After a save conflict: the form, as typed and with its errors, now carries the version
    saved meanwhile, so saving it again (after comparing) is not refused once more."""
    data = form.data.copy()
    data["version"] = str(version)
    form.data = data


class VersionedForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


class MinutesForm(VersionedForm):
    minutes = forms.CharField(
        label=_("Minutes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class NoteForm(VersionedForm):
    note = forms.CharField(
        label=_("Annotation"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class NewsForm(forms.Form):
    source = forms.ChoiceField(label=_("From"), choices=NewsSource.choices)
    text = forms.CharField(label=_("News"), widget=forms.Textarea(attrs={"rows": 2}))


class PresentationForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = CasePresentation
        fields = PRESENTATION_FIELDS
        widgets = {name: forms.Textarea(attrs={"rows": 3}) for name in PRESENTATION_FIELDS}

    def service_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in [*PRESENTATION_FIELDS, "version"]}


class ReactivateForm(forms.Form):
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea({"rows": 2}))


class ActionForm(forms.Form):
    title = forms.CharField(label=_("Action"), max_length=300)
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=None)
    due_on = forms.DateField(label=_("Due date"), required=False, widget=DateInput())

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = people
        self.fields["owner"].label_from_instance = lambda u: u.get_full_name()


class ActionStatusForm(forms.Form):
    status = forms.ChoiceField(choices=ActionStatus.choices)


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=_("Why reopen the meeting?"), widget=forms.Textarea(attrs={"rows": 2})
    )


class EmptyForm(forms.Form):
    """A POST that carries nothing but the CSRF token (move, remove, close…)."""
