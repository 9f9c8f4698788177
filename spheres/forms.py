from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext_lazy as _

from spheres.models import Organisation, Role
from spheres.selectors import roles_of


class InviteForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    email = forms.EmailField(label=_("E-mail address"))
    organisation = forms.ModelChoiceField(
        label=_("Organisation"), queryset=Organisation.objects.filter(is_active=True)
    )
    roles = forms.MultipleChoiceField(
        label=_("Roles"),
        choices=Role.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Coordinator, youth worker and Clinical Committee roles open participant files: asked "
            "for by an administrator, they take effect once a coordinator confirms them; the "
            "coordinator role always needs a second person."
        ),
    )

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        # The coordinator cannot create administrators: do not even offer it.
        if Role.ADMINISTRATOR not in roles_of(actor) and not actor.is_superuser:
            self.fields["roles"].choices = [c for c in Role.choices if c[0] != Role.ADMINISTRATOR]


def add_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """Show a service's refusal beside the field it concerns (or above the form)."""
    errors = exc.error_dict if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: exc.error_list}
    for field, field_errors in errors.items():
        form.add_error(field if field in form.fields else None, field_errors)


def post_data(request):
    """Bound data on POST, None on GET: an empty POST is still validated (and refused)."""
    return request.POST if request.method == "POST" else None


def post_files(request):
    from spheres.uploads import files_with_refusals

    # A file stopped past the size limit still reaches the form, to be refused beside its field.
    return files_with_refusals(request) if request.method == "POST" else None


@dataclass
class Submission:
    """What `submit` did: `saved` is True once the service ran; `result` is what it returned;
    `error` is the service's refusal, if any (already shown beside the fields)."""

    saved: bool = False
    result: Any = None
    error: ValidationError | None = None

    def __bool__(self) -> bool:
        return self.saved


def submit(request, form: forms.Form, service, /, **kwargs) -> Submission:
    """The one way a view calls a service. On POST with a valid form, run
    `service(**kwargs, **data)` (services are atomic themselves), where data is the form's
    `service_data()` (or its cleaned data). A refusal lands beside the fields it names (renamed
    through the form's `service_error_fields`), the typed data stays in the form, and nothing is
    saved. On GET, or with an invalid form, nothing runs."""
    if request.method != "POST" or not form.is_valid():
        return Submission()
    data = form.service_data() if hasattr(form, "service_data") else form.cleaned_data
    try:
        result = service(**kwargs, **data)
    except ValidationError as exc:
        renames = getattr(form, "service_error_fields", {})
        if hasattr(exc, "error_dict"):
            exc.error_dict = {renames.get(k, k): v for k, v in exc.error_dict.items()}
        add_service_errors(form, exc)
        return Submission(error=exc)
    return Submission(saved=True, result=result)
