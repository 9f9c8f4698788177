"""Flat spreadsheets in the admin (django-import-export): partner organisations and their staff's
memberships, imported from .xlsx or .csv and exported the same way (docs/onboarding.md).

django-import-export reads the file, runs the preview (a dry run in a transaction that is rolled
back) and the confirmed import (one transaction, rolled back whole on any refused row). Each row
is read here, then applied by the onboarding services (spheres.services.onboarding): the same
rules as the admin's forms and the invitation page, never a direct write. Every exported text
cell is neutralised (spheres.spreadsheets)."""

import re
import unicodedata
from dataclasses import dataclass
from types import SimpleNamespace

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db.models import Prefetch, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override
from import_export import fields, resources
from import_export.results import RowResult

from spheres.models import Membership, MembershipRole, Organisation, Role, Sector
from spheres.services import onboarding
from spheres.spreadsheets import neutralise

MAX_HOURS_PER_WEEK = 80
# Each row goes through the account services (tens of queries for a new person): a file stays
# well within a web request's time (about 0.1 s a row measured on a new person).
MAX_IMPORT_ROWS = 300


def plain(text) -> str:
    """What a person meant, whatever the case, accents, spaces or a trailing colon."""
    text = unicodedata.normalize("NFKD", str(text or "")).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def cell_text(value) -> str:
    """A cell as text: spreadsheets give numbers as floats (35.0) and blanks as None."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


@dataclass(frozen=True)
class Column:
    key: str
    label: str  # lazy: the header in the reader's language
    aliases: tuple[str, ...] = ()

    def names(self) -> set[str]:
        """Every header that means this column: its key, its label in French and English."""
        names = {plain(self.key), *(plain(a) for a in self.aliases)}
        for language in ("fr", "en"):
            with override(language):
                names.add(plain(str(self.label)))
        return names


def choice_from_text(text: str, choices) -> str | None:
    """A choice typed as its code or its label in French or English; a label's bracketed part may
    be left out ("Institutionnel" for "Institutionnel (santé et services sociaux)"), and a label
    may be cut short where only one choice begins that way ("Services spécialisés")."""
    wanted = plain(text)
    if not wanted:
        return None
    starts = set()
    for value, label in choices:
        candidates = {plain(value)}
        for language in ("fr", "en"):
            with override(language):
                shown = str(label)
            candidates |= {plain(shown), plain(shown.split("(")[0])}
        if wanted in candidates:
            return value
        if len(wanted) >= 4 and any(c.startswith(wanted) for c in candidates):
            starts.add(value)
    return starts.pop() if len(starts) == 1 else None


class SpreadsheetResource(resources.ModelResource):
    """Rows read by column (headers matched by plain()), applied by a service, reported with
    their number; export cells neutralised and headed in the reader's language."""

    COLUMNS: tuple[Column, ...] = ()
    REQUIRED: tuple[str, ...] = ()

    def get_diff_headers(self):
        return [str(c.label) for c in self.COLUMNS]

    def get_export_headers(self, selected_fields=None):
        labels = {c.key: str(c.label) for c in self.COLUMNS}
        fields_ = self.get_export_fields(selected_fields)
        return [labels.get(f.column_name, f.column_name) for f in fields_]

    def get_user_visible_fields(self):
        """The columns the admin's import and export pages list, as the reader names them."""
        return [SimpleNamespace(column_name=str(c.label)) for c in self.COLUMNS]

    def export_field(self, field, instance, **kwargs):
        return neutralise(super().export_field(field, instance, **kwargs))

    def before_import(self, dataset, **kwargs):
        """Headers are renamed to the columns' keys. A file missing a required column, or too
        long for one request, is refused as a whole (shown above the rows): its rows are dropped
        so that none is even tried."""
        known = {name: c.key for c in self.COLUMNS for name in c.names()}
        headers = [known.get(plain(h), h) for h in dataset.headers or []]
        labels = {c.key: str(c.label) for c in self.COLUMNS}
        missing = [labels[key] for key in self.REQUIRED if key not in headers]
        refusal = None
        if missing:
            refusal = _("Missing column(s): %(columns)s. Expected columns: %(expected)s.") % {
                "columns": ", ".join(missing),
                "expected": ", ".join(str(c.label) for c in self.COLUMNS),
            }
        elif len(dataset) > MAX_IMPORT_ROWS:
            refusal = _("This file has %(n)s rows; import at most %(max)s at a time: split it.") % {
                "n": len(dataset),
                "max": MAX_IMPORT_ROWS,
            }
        if refusal:
            dataset.wipe()
            raise ValueError(refusal)
        dataset.headers = headers

    def import_row(self, row, instance_loader, **kwargs):
        """Read the row, apply it through the service, report it. A refusal lands beside the
        column it concerns, under the row's number; the service's transaction (a savepoint
        inside the import's) leaves nothing of a refused row."""
        result = RowResult()
        values = {c.key: cell_text(row.get(c.key)) for c in self.COLUMNS}
        if not any(values.values()):
            result.import_type = RowResult.IMPORT_TYPE_SKIP
            return result
        try:
            instance, outcome, shown = self.apply(values, actor=kwargs["user"])
        except ValidationError as error:
            result.import_type = RowResult.IMPORT_TYPE_INVALID
            result.validation_error = self._labelled(error)
            return result
        except PermissionDenied:
            result.import_type = RowResult.IMPORT_TYPE_INVALID
            result.validation_error = ValidationError(
                _("You may not make this change: ask an administrator.")
            )
            return result
        except Exception as error:  # noqa: BLE001 - reported on the row; the import rolls back
            result.import_type = RowResult.IMPORT_TYPE_ERROR
            result.errors.append(
                self.get_error_result_class()(error, row=row, number=kwargs.get("row_number"))
            )
            return result
        result.import_type = {
            onboarding.CREATED: RowResult.IMPORT_TYPE_NEW,
            onboarding.UPDATED: RowResult.IMPORT_TYPE_UPDATE,
            onboarding.UNCHANGED: RowResult.IMPORT_TYPE_SKIP,
        }[outcome]
        result.add_instance_info(instance)
        result.instance = instance
        # What the system will hold, column by column (the admin's template escapes it).
        result.diff = [shown.get(c.key, "") for c in self.COLUMNS]
        return result

    def _labelled(self, error: ValidationError) -> ValidationError:
        """Errors keyed by the column header the reader sees (the services name the fields as
        the columns' keys do)."""
        labels = {c.key: str(c.label) for c in self.COLUMNS}
        if not hasattr(error, "error_dict"):
            return ValidationError({NON_FIELD_ERRORS: error.messages})
        return ValidationError(
            {
                str(labels.get(name, name)) if name != NON_FIELD_ERRORS else name: messages
                for name, messages in error.message_dict.items()
            }
        )

    def apply(self, values: dict, *, actor):
        raise NotImplementedError


# --- Organisations ------------------------------------------------------------------------------

ORGANISATION_COLUMNS = (
    Column("name", gettext_lazy("Name"), ("nom", "nom de l organisation", "organisation")),
    Column("short_name", gettext_lazy("Short name"), ("sigle", "code", "nom abrege")),
    Column("sector", gettext_lazy("Sector"), ("secteur",)),
)


class OrganisationResource(SpreadsheetResource):
    COLUMNS = ORGANISATION_COLUMNS
    REQUIRED = ("name", "short_name", "sector")

    name = fields.Field(attribute="name", column_name="name")
    short_name = fields.Field(attribute="short_name", column_name="short_name")
    sector = fields.Field(column_name="sector")

    class Meta:
        model = Organisation
        fields = ("name", "short_name", "sector")
        export_order = ("name", "short_name", "sector")

    def dehydrate_sector(self, organisation):
        return str(organisation.get_sector_display())

    def apply(self, values, *, actor):
        errors = {}
        for key in self.REQUIRED:
            if not values[key]:
                errors[key] = _("This cell is empty.")
        sector = choice_from_text(values["sector"], Sector.choices) if values["sector"] else None
        if values["sector"] and sector is None:
            errors["sector"] = _("Unknown sector “%(value)s”. Expected one of: %(choices)s.") % {
                "value": values["sector"],
                "choices": "; ".join(str(label) for _v, label in Sector.choices),
            }
        if errors:
            raise ValidationError(errors)
        organisation, outcome = onboarding.organisation_import(
            actor=actor, name=values["name"], short_name=values["short_name"], sector=sector
        )
        shown = {**values, "sector": str(organisation.get_sector_display())}
        return organisation, outcome, shown


# --- Memberships (staff) ------------------------------------------------------------------------

MEMBERSHIP_COLUMNS = (
    Column("email", gettext_lazy("E-mail address"), ("courriel", "e mail", "email")),
    Column("first_name", gettext_lazy("First name"), ("prenom",)),
    Column("last_name", gettext_lazy("Last name"), ("nom",)),
    Column("organisation", gettext_lazy("Organisation"), ("organisme",)),
    Column("roles", gettext_lazy("Roles"), ("role",)),
    Column("hours_per_week", gettext_lazy("Hours per week"), ("heures",)),
)
ROLE_SEPARATORS = re.compile(r"[,;\n]+")


def roles_from_text(text: str) -> tuple[set[str], list[str]]:
    """Roles typed as codes or labels, separated by commas, semicolons or line breaks:
    (roles, what was not understood)."""
    roles, unknown = set(), []
    for part in ROLE_SEPARATORS.split(text or ""):
        if not part.strip():
            continue
        role = choice_from_text(part, Role.choices)
        if role is None:
            unknown.append(part.strip())
        else:
            roles.add(role)
    return roles, unknown


def role_labels(roles) -> str:
    return "; ".join(str(Role(r).label) for r in sorted(roles))


class MembershipResource(SpreadsheetResource):
    COLUMNS = MEMBERSHIP_COLUMNS
    REQUIRED = ("email", "organisation", "roles")

    email = fields.Field(attribute="user__email", column_name="email")
    first_name = fields.Field(attribute="user__first_name", column_name="first_name")
    last_name = fields.Field(attribute="user__last_name", column_name="last_name")
    organisation = fields.Field(attribute="organisation__short_name", column_name="organisation")
    roles = fields.Field(column_name="roles")
    hours_per_week = fields.Field(attribute="hours_per_week", column_name="hours_per_week")

    class Meta:
        model = Membership
        fields = ("email", "first_name", "last_name", "organisation", "roles", "hours_per_week")
        export_order = (
            "email",
            "first_name",
            "last_name",
            "organisation",
            "roles",
            "hours_per_week",
        )

    def filter_export(self, queryset, **kwargs):
        # Two queries whatever the number of memberships: people and organisations joined,
        # roles prefetched.
        return queryset.select_related("user", "organisation").prefetch_related(
            Prefetch("roles", queryset=MembershipRole.objects.order_by("role"))
        )

    def dehydrate_roles(self, membership):
        return role_labels(r.role for r in membership.roles.all())

    def apply(self, values, *, actor):
        errors = {}
        for key in self.REQUIRED:
            if not values[key]:
                errors[key] = _("This cell is empty.")
        email = values["email"].lower()
        if email:
            try:
                validate_email(email)
            except ValidationError:
                errors["email"] = _("“%(value)s” is not an e-mail address.") % {"value": email}
        organisation = None
        if values["organisation"]:
            name = values["organisation"]
            organisation = Organisation.objects.filter(
                Q(short_name__iexact=name) | Q(name__iexact=name)
            ).first()
            if organisation is None:
                errors["organisation"] = _(
                    "Unknown organisation “%(value)s”: import it first, or write its short name "
                    "or its name as the admin shows it."
                ) % {"value": name}
        roles, unknown = roles_from_text(values["roles"])
        if unknown:
            errors["roles"] = _("Unknown role(s): %(values)s. Expected: %(choices)s.") % {
                "values": ", ".join(f"“{u}”" for u in unknown),
                "choices": "; ".join(str(label) for _v, label in Role.choices),
            }
        hours = None
        if values["hours_per_week"]:
            try:
                hours = int(values["hours_per_week"])
            except ValueError:
                hours = -1
            if not 0 <= hours <= MAX_HOURS_PER_WEEK:
                errors["hours_per_week"] = _("Write a whole number of hours from 0 to 80.")
        if errors:
            raise ValidationError(errors)
        done = onboarding.staff_import(
            actor=actor,
            email=email,
            first_name=values["first_name"],
            last_name=values["last_name"],
            organisation=organisation,
            roles=roles,
            hours_per_week=hours,
        )
        shown = {
            **values,
            "email": done.user.email,
            "organisation": organisation.short_name,
            "roles": role_labels(roles),
        }
        if done.requested:
            shown["roles"] += " — " + _("awaiting a coordinator's confirmation: %(roles)s") % {
                "roles": role_labels(done.requested)
            }
        if done.refused:
            shown["roles"] += " — " + _(
                "refused earlier, not asked again: %(roles)s (tick the role on the person's "
                "membership page to ask again)"
            ) % {"roles": role_labels(done.refused)}
        return done.membership, done.outcome, shown
