from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from referrals.models import (
    ALLOWED_MANUAL_STATUSES,
    CANDIDATE_FIELDS,
    REFERRER_FIELDS,
    SCREENING_FIELDS,
    Consent,
    InitialMeeting,
    Participant,
    RecruiterRiskAssessment,
    Referral,
    ReferralStatus,
    ResearchClause,
    Screening,
    StageOfChange,
    YouthProtectionReport,
)
from spheres.models import Organisation, Sector


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


IDENTITY_FIELDS = ["first_name", "last_name", "date_of_birth", "phone"]


class ReferralForm(forms.ModelForm):
    """The coordinator's intake form (candidate and referrer)."""

    class Meta:
        model = Referral
        fields = CANDIDATE_FIELDS + REFERRER_FIELDS
        widgets = {
            "date_of_birth": DateInput(),
            "reasons": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Shared workstations: browsers must not keep minors' names and birth dates in autofill.
        for field in self.fields.values():
            field.widget.attrs["autocomplete"] = "off"
        if "referrer_organisation" in self.fields:
            self.fields["referrer_organisation"].queryset = Organisation.objects.filter(
                is_active=True
            )
            self.fields["referrer_organisation"].required = False

    def identity(self) -> dict:
        """What the duplicate check compares, from the typed data."""
        return {k: self.cleaned_data[k] for k in IDENTITY_FIELDS}

    @staticmethod
    def identity_of(referral: Referral) -> dict:
        return {k: getattr(referral, k) for k in IDENTITY_FIELDS}

    def clean_date_of_birth(self):
        value = self.cleaned_data["date_of_birth"]
        if value and value > timezone.localdate():
            raise forms.ValidationError(_("The date of birth is in the future."))
        return value


class IdentityForm(ReferralForm):
    """Identity and contacts of an admitted participant."""

    class Meta(ReferralForm.Meta):
        fields = [f for f in CANDIDATE_FIELDS if f != "reasons"]


class ImportedIdentityForm(forms.ModelForm):
    """The identity a participant imported without a referral carries: date of birth, gender."""

    class Meta:
        model = Participant
        fields = ["date_of_birth", "gender_identity"]
        widgets = {"date_of_birth": DateInput()}


class PartnerReferralForm(ReferralForm):
    """Any partner staff member: the candidate only; the referrer is the person signed in."""

    class Meta(ReferralForm.Meta):
        fields = CANDIDATE_FIELDS


class DuplicateConfirmForm(forms.Form):
    confirm_new_person = forms.BooleanField(
        label=_("I checked the possible duplicates: this is a different person."), required=False
    )


class RadioModelForm(forms.ModelForm):
    """Radio buttons offer the real choices only: no "---------" button, ticked in advance.
    Tick boxes (CheckboxSelectMultiple, a RadioSelect to Django) have no such button and keep
    their queryset: a list of choices set here would outlive a queryset narrowed later."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if (
                isinstance(widget, forms.RadioSelect)
                and not isinstance(widget, forms.CheckboxSelectMultiple)
                and hasattr(field, "choices")
            ):
                field.choices = [(value, label) for value, label in field.choices if value != ""]


class ScreeningForm(RadioModelForm):
    def clean(self):
        data = super().clean()
        # The database constraint says the same; said here, it lands beside the field, in words.
        if (
            data.get("stage_of_change") == StageOfChange.PRECONTEMPLATION
            and not (data.get("precontemplation_exception_reason") or "").strip()
        ):
            self.add_error(
                "precontemplation_exception_reason",
                _("Precontemplation can only be accepted as an exception: write the reason."),
            )
        return data

    class Meta:
        model = Screening
        fields = SCREENING_FIELDS
        widgets = {
            "screened_on": DateInput(),
            "stage_of_change": forms.RadioSelect,
            "precontemplation_exception_reason": forms.Textarea(attrs={"rows": 2}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }


class RiskAssessmentForm(RadioModelForm):
    class Meta:
        model = RecruiterRiskAssessment
        fields = [
            "decided_on", "delinquent_profile", "network_involvement", "benefits_versus_risks",
            "decision",
        ]  # fmt: skip
        widgets = {
            "decided_on": DateInput(),
            "decision": forms.RadioSelect,
            "delinquent_profile": forms.Textarea(attrs={"rows": 2}),
            "network_involvement": forms.Textarea(attrs={"rows": 2}),
            "benefits_versus_risks": forms.Textarea(attrs={"rows": 3}),
        }


class InitialMeetingForm(RadioModelForm):
    class Meta:
        model = InitialMeeting
        fields = ["met_on", "mode", "attendees", "others_present", "outcome", "notes"]
        widgets = {
            "met_on": DateInput(),
            "mode": forms.RadioSelect,
            "outcome": forms.RadioSelect,
            "attendees": forms.CheckboxSelectMultiple,
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, workers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attendees"].queryset = workers


class StatusForm(forms.Form):
    to_status = forms.ChoiceField(
        label=_("Decision"),
        choices=[(s.value, s.label) for s in ReferralStatus if s in ALLOWED_MANUAL_STATUSES],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required for “not admitted” and “referred elsewhere”."),
    )


class ScanField(forms.FileField):
    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Scan of the signed form (PDF, JPEG or PNG, 10 MB at most)"))
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "widget",
            forms.ClearableFileInput(attrs={"accept": "application/pdf,image/jpeg,image/png"}),
        )
        super().__init__(**kwargs)


class ProgramFormFields(forms.Form):
    """What the signed program consent form records besides date, place and version."""

    declaration_signed_by = forms.ModelChoiceField(
        label=_("Worker who signed the declaration of responsibility"),
        queryset=None,
        required=False,
    )
    research_use = forms.ChoiceField(
        label=_("Research-use clause (anonymous use of the information to evaluate the services)"),
        choices=[
            (ResearchClause.AGREED.value, _("Agreed")),
            (ResearchClause.STRUCK_OUT.value, _("Struck out (declined)")),
        ],
        widget=forms.RadioSelect,
        required=False,
    )
    confidentiality_explained = forms.BooleanField(
        label=_("Confidentiality and information sharing were explained"), required=False
    )
    copy_given = forms.BooleanField(
        label=_("A signed copy was given to the participant"), required=False
    )

    def __init__(self, *args, workers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["declaration_signed_by"].queryset = workers
        self.fields["declaration_signed_by"].label_from_instance = lambda w: w.get_full_name()


class AdmissionForm(ProgramFormFields):
    admitted_on = forms.DateField(label=_("Admission date"), widget=DateInput())
    consent_given_on = forms.DateField(label=_("Program consent signed on"), widget=DateInput())
    consent_place = forms.CharField(label=_("Signed at (place)"), max_length=200)
    consent_form_version = forms.CharField(label=_("Form version"), max_length=40)
    consent_scan = ScanField()

    field_order = [
        "admitted_on", "consent_given_on", "consent_place", "consent_form_version",
        "declaration_signed_by", "research_use", "confidentiality_explained", "copy_given",
        "consent_scan",
    ]  # fmt: skip


class AssignmentForm(forms.Form):
    primary = forms.ModelChoiceField(label=_("Primary youth worker"), queryset=None)
    second = forms.ModelChoiceField(label=_("Second youth worker"), queryset=None, required=False)
    reason = forms.CharField(
        label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, workers, **kwargs):
        super().__init__(*args, **kwargs)
        self.workers = list(workers)
        for name in ("primary", "second"):
            self.fields[name].queryset = workers
            self.fields[name].label_from_instance = self.worker_label

    @staticmethod
    def worker_label(worker):
        orgs = ", ".join(m.organisation.short_name for m in worker.memberships.all() if m.is_active)
        n = getattr(worker, "caseload", 0)
        return ngettext(
            "%(name)s — %(orgs)s — %(n)s follow-up", "%(name)s — %(orgs)s — %(n)s follow-ups", n
        ) % {
            "name": worker.get_full_name(),
            "orgs": orgs,
            "n": getattr(worker, "caseload", 0),
        }


class ConsentForm(ProgramFormFields):
    """The program consent signed again (after a withdrawal)."""

    given_on = forms.DateField(label=_("Date signed"), widget=DateInput())
    place = forms.CharField(label=_("Signed at (place)"), max_length=200)
    form_version = forms.CharField(label=_("Form version"), max_length=40, required=False)
    scan = ScanField()

    field_order = [
        "given_on", "place", "form_version", "declaration_signed_by", "research_use",
        "confidentiality_explained", "copy_given", "scan",
    ]  # fmt: skip


class ResearchConsentForm(forms.ModelForm):
    """The research-study consent, or the research-use clause agreed to later."""

    scan = ScanField()

    class Meta:
        model = Consent
        fields = ["given_on", "form_version"]
        widgets = {"given_on": DateInput()}


class SharingForm(forms.Form):
    organisations = forms.ModelMultipleChoiceField(
        label=_("Partner organisations that may see the file"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    police = forms.ModelMultipleChoiceField(
        label=_("Police (only with the participant's explicit consent)"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    given_on = forms.DateField(label=_("Consent given on"), widget=DateInput())

    def __init__(self, *args, shared=(), **kwargs):
        kwargs.setdefault("initial", {}).update(
            organisations=[o for o in shared if not o.is_police],
            police=[o for o in shared if o.is_police],
            given_on=timezone.localdate(),
        )
        super().__init__(*args, **kwargs)
        active = Organisation.objects.filter(is_active=True).exclude(sector=Sector.RESEARCH)
        self.fields["organisations"].queryset = active.exclude(sector=Sector.POLICE)
        self.fields["police"].queryset = active.filter(sector=Sector.POLICE)

    def service_data(self) -> dict:
        data = self.cleaned_data
        organisations = list(data["organisations"]) + list(data["police"])
        return {"organisations": organisations, "given_on": data["given_on"]}


class WithdrawForm(forms.Form):
    withdrawn_on = forms.DateField(label=_("Withdrawn on"), widget=DateInput())
    note = forms.CharField(
        label=_("Note (optional — no justification is required)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class YouthProtectionForm(forms.ModelForm):
    class Meta:
        model = YouthProtectionReport
        fields = ["considered_on", "reported", "reported_on", "reported_by", "reference", "note"]
        widgets = {
            "considered_on": DateInput(),
            "reported_on": DateInput(),
            "note": forms.Textarea(attrs={"rows": 2}),
        }


class ParticipantSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Name or youth ID"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),  # no names in autofill history
    )


class ParticipantFilterForm(forms.Form):
    """List filters in the query string: ids and a flag, never names; anything malformed is
    ignored rather than refused (a stale bookmark still opens the list)."""

    worker = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    organisation = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    marker = forms.BooleanField(required=False)

    @classmethod
    def from_query(cls, query) -> dict:
        form = cls(query)
        form.is_valid()
        data = form.cleaned_data
        return {
            "worker_id": data.get("worker"),
            "organisation_id": data.get("organisation"),
            "marker": query.get("marker") == "1",
            "unassigned": query.get("unassigned") == "1",
        }
