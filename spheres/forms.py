from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
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


def save_or_show_errors(form: forms.Form, call) -> bool:
    """Run a service in its own transaction; its refusals land beside the fields. True if saved."""
    try:
        with transaction.atomic():
            call()
    except ValidationError as exc:
        add_service_errors(form, exc)
        return False
    return True
