"""Django admin for administrators: organisations and accounts. Changes go through services."""

from django import forms
from django.apps import apps
from django.contrib import admin, messages
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.db.models import Case, OuterRef, Subquery, Value, When
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportMixin
from import_export.formats.base_formats import CSV, XLSX
from import_export.forms import ExportForm
from import_export.results import RowResult
from import_export.tmp_storages import CacheStorage

# audit_admin registers the audit trail, without case content, in place of auditlog's own.
from spheres import audit_admin, services  # noqa: F401
from spheres.models import Membership, Organisation, ReadLogEntry, Role, User
from spheres.resources import MembershipResource, OrganisationResource
from spheres.rules import needs_confirmation


class ImportCacheStorage(CacheStorage):
    """The uploaded file waits for the confirmation in the shared cache (never in /tmp, where an
    abandoned preview would leave a staff list behind), for an hour at most."""

    CACHE_LIFETIME = 3600
    CACHE_PREFIX = "spheres-import-"


class SpreadsheetAdmin(ImportExportMixin):
    """Flat .xlsx/.csv imports and exports (spheres.resources): a preview first (a dry run,
    rolled back), then the confirmed import in one transaction, rolled back whole if any row is
    refused. Only the admin's people (superusers, administrators) reach these pages."""

    formats = [XLSX, CSV]
    tmp_storage_class = ImportCacheStorage
    export_form_class = ExportForm

    def get_import_data_kwargs(self, **kwargs):
        # A row refused at confirmation time (something changed since the preview) must undo
        # the rows before it too: nothing half-imported.
        kwargs = super().get_import_data_kwargs(**kwargs)
        kwargs.pop("request", None)
        return {**kwargs, "rollback_on_validation_errors": True, "use_transactions": True}

    def process_result(self, result, request):
        if result.has_errors() or result.has_validation_errors():
            messages.error(
                request,
                gettext(
                    "Nothing was imported: a row no longer passes the checks (something changed "
                    "since the preview). Import the file again to see which."
                ),
            )
            info = self.get_model_info()
            return HttpResponseRedirect(reverse("admin:{}_{}_import".format(*info)))
        return super().process_result(result, request)

    def generate_log_entries(self, result, request):
        """The admin's history, for the rows that created or changed something (a person whose
        every role awaits confirmation has no membership yet: nothing to point at)."""
        flags = {RowResult.IMPORT_TYPE_NEW: ADDITION, RowResult.IMPORT_TYPE_UPDATE: CHANGE}
        for import_type, flag in flags.items():
            objects = [
                row.instance
                for row in result
                if row.import_type == import_type and row.instance is not None
            ]
            if objects:
                LogEntry.objects.log_actions(
                    request.user.pk,
                    objects,
                    flag,
                    change_message=gettext("Imported from a spreadsheet."),
                    single_object=len(objects) == 1,
                )

    def has_export_permission(self, request):
        return self.has_view_permission(request)


class OrganisationForm(forms.ModelForm):
    class Meta:
        model = Organisation
        fields = ["name", "short_name", "sector", "is_active"]

    def clean(self):
        """The service's refusal, beside the field, before anything is saved."""
        data = super().clean()
        if self.instance.pk and self.instance.is_active and not data.get("is_active", True):
            services.organisation_deactivation_check(organisation=self.instance)
        return data


@admin.register(Organisation)
class OrganisationAdmin(SpreadsheetAdmin, admin.ModelAdmin):
    form = OrganisationForm
    resource_classes = [OrganisationResource]
    list_display = ["short_name", "name", "sector", "is_active"]
    list_filter = ["sector", "is_active"]
    search_fields = ["name", "short_name"]
    fields = ["name", "short_name", "sector", "is_active"]

    def has_delete_permission(self, request, obj=None):
        return False  # deactivate instead: history and permissions refer to it

    def has_import_permission(self, request):
        return self.has_add_permission(request) and self.has_change_permission(request)

    def save_model(self, request, obj, form, change):
        data = {f: form.cleaned_data[f] for f in self.fields}
        if change:
            services.organisation_update(organisation=obj, **data)
        else:
            created = services.organisation_create(**data)
            obj.pk = created.pk


class MembershipForm(forms.ModelForm):
    """A membership's roles, granted and revoked through the services."""

    roles = forms.MultipleChoiceField(
        label=_("Roles"), choices=Role.choices, widget=forms.CheckboxSelectMultiple, required=False
    )

    class Meta:
        model = Membership
        fields = ["hours_per_week", "roles"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.current = set(self.instance.roles.values_list("role", flat=True))
        self.initial["roles"] = sorted(self.current)

    def clean(self):
        """The services' refusals, beside the field, before anything is saved."""
        data = super().clean()
        wanted = set(data.get("roles") or [])
        if wanted - self.current and not self.instance.organisation.is_active:
            raise forms.ValidationError({"roles": _("This organisation is inactive.")})
        if self.current - wanted:
            services.role_revocation_check(membership=self.instance, roles=self.current - wanted)
        return data


@admin.register(Membership)
class MembershipAdmin(SpreadsheetAdmin, admin.ModelAdmin):
    form = MembershipForm
    resource_classes = [MembershipResource]
    list_display = ["user", "organisation", "is_active"]
    list_filter = ["organisation", "is_active"]
    list_select_related = ["user", "organisation"]
    readonly_fields = ["user", "organisation", "is_active", "created_at"]
    fields = ["user", "organisation", "is_active", "created_at", "hours_per_week", "roles"]

    def has_add_permission(self, request):
        return False  # people join through an invitation, which grants their roles

    def has_import_permission(self, request):
        # The import invites people and grants roles through the same services as the
        # invitation page: whoever may change memberships in the admin.
        return self.has_change_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        services.membership_set_hours(
            membership=obj, hours_per_week=form.cleaned_data["hours_per_week"], actor=request.user
        )
        wanted = set(form.cleaned_data["roles"])
        added, removed = wanted - form.current, form.current - wanted
        # Roles that open participant files need a second person: they become requests, as
        # on the invitation page, instead of a refusal.
        requested = {role for role in added if needs_confirmation(request.user, role)}
        if added - requested:
            services.membership_grant(
                user=obj.user,
                organisation=obj.organisation,
                roles=added - requested,
                actor=request.user,
            )
        for role in sorted(requested):
            services.role_grant_request(
                user=obj.user, organisation=obj.organisation, role=role, actor=request.user
            )
        if requested:
            messages.info(
                request,
                gettext("Requested, waiting for a second person's confirmation: %(roles)s.")
                % {"roles": ", ".join(str(Role(r).label) for r in sorted(requested))},
            )
        if removed:
            services.membership_revoke_roles(membership=obj, roles=removed, actor=request.user)


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    list_display = ["email", "first_name", "last_name", "is_active", "last_login"]
    list_filter = ["is_active", "memberships__organisation"]
    search_fields = ["email", "first_name", "last_name"]
    readonly_fields = [
        "email",
        "first_name",
        "last_name",
        "is_active",
        "is_staff",
        "last_login",
        "date_joined",
    ]
    fields = readonly_fields
    actions = ["deactivate", "reactivate"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Deactivate the selected accounts"), permissions=["change"])
    def deactivate(self, request, queryset):
        for user in queryset:
            services.user_deactivate(user=user, actor=request.user)
        messages.success(request, _("Accounts deactivated."))

    @admin.action(description=_("Reactivate the selected accounts"), permissions=["change"])
    def reactivate(self, request, queryset):
        for user in queryset:
            services.user_reactivate(user=user, actor=request.user)
        messages.success(request, _("Accounts reactivated."))


# Page names in the read log, as a privacy officer reads them (the view name stays stored).
PAGE_NAMES = {
    "participant_detail": _("Participant file"),
    "timeline": _("Timeline"),
    "note_edit": _("Weekly progress note"),
    "attempt_add": _("Log a contact attempt"),
    "missed_meeting": _("Missed meeting"),
    "status_change": _("Follow-up status"),
    "risk_add": _("Risk assessment"),
    "participant_identity": _("Identity and contacts"),
    "participant_assign": _("Assign or re-assign"),
    "consent_add": _("Consents"),
    "consent_sharing": _("Information sharing"),
    "consent_withdraw": _("Withdrawal of a consent"),
    "consent_scan": _("Scan of the signed form"),
    "youth_protection": _("Duty to report to the DYP"),
    "referral_detail": _("Referral"),
    "referral_edit": _("Correct the referral"),
    "referral_screening": _("Screening"),
    "referral_risk": _("Clinical Committee risk assessment (recruiter)"),
    "referral_meeting": _("Initial meeting"),
    "referral_status": _("Decision"),
    "referral_admit": _("Admission"),
    "referral_assign": _("Assign youth workers"),
    # List pages: one row per file they showed.
    "referral_queue": _("Referral queue"),
    "participant_list": _("Participants"),
    "caseload": _("My caseload"),
    "attention": _("Lists behind the home page's figures"),
    "notifications": _("Notifications"),
    "plans": _("Plans and their history"),
    "no_show_strategy": _("After a missed meeting"),
    "participation_end": _("Withdrawal of a consent"),
    "participation_resume": _("Program consent"),
    "needs_evaluate": _("Needs evaluation"),
    "safety_plan_edit": _("Safety plan"),
    "goal_add": _("New life-plan goal"),
    "goal_update": _("Goal"),
    "research:export_download": _("Research export"),
    "notes_export": _("Weekly notes export"),
    "handover": _("Departure of a youth worker"),
    "imported_consent_confirm": _("Imported — consent to be confirmed"),
    "group_activities": _("No activity with other participants"),
    "legacy_status": _("Import progress-notes workbooks"),
    # Committee pages that show or change what concerns a participant or a candidate.
    "meeting_detail": _("Committee meeting: agenda"),
    "print_document": _("Committee meeting: printed document"),
    "pdf_document": _("Committee meeting: PDF document"),
    "presentation": _("Case presentation"),
    "item_minutes": _("Committee meeting: minutes of an item"),
    "item_note": _("Committee meeting: annotation of an item"),
    "item_news": _("Committee meeting: news of an item"),
    "item_action": _("Committee meeting: agenda item moved or marked"),
    "decide": _("Committee meeting: decision"),
}
# Which model each object type names. Resolved by label, never imported: the core sits below the
# apps whose records it logs (docs/architecture.md).
OBJECT_MODELS = {"participant": ("referrals", "Participant"), "referral": ("referrals", "Referral")}


class ObjectTypeFilter(admin.SimpleListFilter):
    title = _("kind of file")
    parameter_name = "object_type"

    def lookups(self, request, model_admin):
        return [("participant", _("Participant file")), ("referral", _("Referral"))]

    def queryset(self, request, queryset):
        return queryset.filter(object_type=self.value()) if self.value() else queryset


class PersonFilter(admin.RelatedOnlyFieldListFilter):
    """The people who appear in the log (not every account)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.title = _("person")


class WhenFilter(admin.DateFieldListFilter):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.title = _("when")


@admin.register(ReadLogEntry)
class ReadLogEntryAdmin(admin.ModelAdmin):
    """Who opened which file, when: for the privacy officer, in their language, with the person
    and the youth ID rather than internal ids; filters by person, file and date."""

    list_display = ["when", "person", "action_label", "file", "page"]
    list_filter = [("at", WhenFilter), "action", ObjectTypeFilter, ("user", PersonFilter)]
    list_select_related = ["user"]
    date_hierarchy = "at"
    search_fields = ["user__email", "user__first_name", "user__last_name"]
    search_help_text = _("A person's name or e-mail, or a youth ID (e.g. #2026-01).")
    list_per_page = 50
    # An entry opened alone reads as its row in the list: translated labels, the youth ID, the
    # page's name (not the model's raw columns).
    fields = readonly_fields = ["when", "person", "action_label", "file", "page"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if apps.is_installed("referrals"):
            participant = apps.get_model(*OBJECT_MODELS["participant"])
            queryset = queryset.annotate(
                youth_id=Case(
                    When(
                        object_type="participant",
                        then=Subquery(
                            participant.objects.filter(pk=OuterRef("object_id")).values("youth_id")[
                                :1
                            ]
                        ),
                    ),
                    When(
                        object_type="referral",
                        then=Subquery(
                            participant.objects.filter(referral_id=OuterRef("object_id")).values(
                                "youth_id"
                            )[:1]
                        ),
                    ),
                    default=Value(""),
                )
            )
        return queryset

    def get_search_results(self, request, queryset, search_term):
        """A youth ID typed in the search box finds the reads of that participant's file."""
        term = search_term.strip()
        if term.startswith("#") and apps.is_installed("referrals"):
            participant = apps.get_model(*OBJECT_MODELS["participant"])
            ids = participant.objects.filter(youth_id__iexact=term).values("pk")
            return queryset.filter(object_type="participant", object_id__in=ids), False
        return super().get_search_results(request, queryset, search_term)

    @admin.display(description=_("when"), ordering="at")
    def when(self, entry):
        # Written here, not by the list: the entry's own page would show the UTC value as is.
        return formats.localize(timezone.localtime(entry.at))

    @admin.display(description=_("person"), ordering="user__last_name")
    def person(self, entry):
        if entry.user is None:
            return _("anonymous")
        url = f"{reverse('admin:spheres_readlogentry_changelist')}?user__id__exact={entry.user_id}"
        return format_html('<a href="{}">{}</a>', url, f"{entry.user} <{entry.user.email}>")

    @admin.display(description=_("action"), ordering="action")
    def action_label(self, entry):
        return entry.get_action_display()

    @admin.display(description=_("file"))
    def file(self, entry):
        if entry.object_id is None:
            return "—"
        url = (
            f"{reverse('admin:spheres_readlogentry_changelist')}"
            f"?object_type={entry.object_type}&object_id={entry.object_id}"
        )
        if getattr(entry, "youth_id", ""):
            label = entry.youth_id
        elif entry.object_type == "referral":
            label = _("referral no. %(id)s") % {"id": entry.object_id}
        else:
            label = f"{entry.object_type} {entry.object_id}"
        return format_html('<a href="{}">{}</a>', url, label)

    @admin.display(description=_("page"), ordering="view_name")
    def page(self, entry):
        return PAGE_NAMES.get(entry.view_name, entry.view_name or "—")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
