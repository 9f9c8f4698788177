from django import forms
from django.utils.translation import gettext_lazy as _

from referrals.forms import DateInput
from spheres.models import Organisation


class ExportRequestForm(forms.Form):
    period_start = forms.DateField(label=_("From"), required=False, widget=DateInput())
    period_end = forms.DateField(label=_("To"), required=False, widget=DateInput())
    organisations = forms.ModelMultipleChoiceField(
        label=_("Organisations (optional)"),
        help_text=_("Only participants followed by a worker of these organisations."),
        queryset=Organisation.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    purpose = forms.CharField(
        label=_("Purpose"),
        help_text=_("What the data will be used for. Recorded in the export register."),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("period_start"), cleaned.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", _("The end of the period is before its start."))
        return cleaned

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data["organisations"] = list(data["organisations"])
        return data
