from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from referrals.selectors import youth_workers
from research.legacy.workbook import max_bytes
from spheres.uploads import TooLargeUpload


class WorkerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.email


class LegacyUploadForm(forms.Form):
    workbook = forms.FileField(
        label=_("Progress-notes workbook (.xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
    )
    worker = WorkerChoiceField(label=_("Youth worker who kept it"), queryset=None)
    update = forms.BooleanField(
        label=_("Replace the notes that differ from the workbook"),
        help_text=_("Otherwise a week that differs is a conflict and stays as it is."),
        required=False,
    )
    skip_bad_rows = forms.BooleanField(
        label=_("Skip the weeks that cannot be imported (each is listed)"),
        help_text=_("Otherwise one such week stops the whole import."),
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["workbook"].help_text = gettext(
            "One worker's workbook, one sheet per participant (J, J2, J3…); %(mb)s MB at most."
        ) % {"mb": max_bytes() // (1024 * 1024)}
        self.fields["worker"].queryset = youth_workers()

    def clean_workbook(self):
        upload = self.cleaned_data["workbook"]
        # A file the upload handler stopped receiving is refused whatever size it stands for.
        if isinstance(upload, TooLargeUpload) or upload.size > max_bytes():
            raise forms.ValidationError(
                _("The file is larger than %(mb)s MB.") % {"mb": max_bytes() // (1024 * 1024)}
            )
        return upload

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data["upload"] = data.pop("workbook")
        return data
