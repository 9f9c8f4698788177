import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from research.dashboards.scope import add_months
from spheres.models import Organisation

MAX_MONTHS = 60


def default_period(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The last twelve months, this month included."""
    return add_months(today.replace(day=1), -11), today


class DashboardFilterForm(forms.Form):
    start = forms.DateField(
        label=_("From"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    end = forms.DateField(
        label=_("To"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    organisations = forms.ModelMultipleChoiceField(
        label=_("Organisations"),
        queryset=Organisation.objects.order_by("short_name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None chosen: the whole program."),
    )
    compare = forms.BooleanField(label=_("Compare with the previous period"), required=False)

    def __init__(self, data=None, *, today: datetime.date | None = None, with_organisations=True):
        today = today or timezone.localdate()
        start, end = default_period(today)
        if data is not None and not {"start", "end"} & set(data):
            data = None  # first visit: the default period, compared
        super().__init__(data, initial={"start": start, "end": end, "compare": True})
        self.today = today
        if not with_organisations:
            del self.fields["organisations"]
        self.fields["start"].error_messages["invalid"] = _("Enter a date like 2025-01-31.")
        self.fields["end"].error_messages["invalid"] = _("Enter a date like 2025-12-31.")

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and start.year < 2000:
            self.add_error("start", _("The program's figures start in 2000 at the earliest."))
        if end and end > self.today:
            # Nothing more to say about the end (and 60 months after a far-off start may be
            # past the last date Python knows).
            self.add_error("end", _("The period cannot end in the future."))
        elif start and end and start > end:
            self.add_error("end", _("The end of the period comes before its start."))
        elif start and end and add_months(start, MAX_MONTHS) <= end:
            self.add_error(
                "end", _("Choose a period of at most %(months)s months.") % {"months": MAX_MONTHS}
            )
        return data

    def period(self) -> tuple[datetime.date, datetime.date, tuple[int, ...], bool]:
        if self.is_bound:
            data = self.cleaned_data
            organisations = tuple(o.pk for o in data.get("organisations") or [])
            return data["start"], data["end"], organisations, data["compare"]
        start, end = default_period(self.today)
        return start, end, (), True
