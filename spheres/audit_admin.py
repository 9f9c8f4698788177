"""The audit trail in the Django admin, without case content.

django-auditlog's own admin shows every stored diff and object name, searchable by name: a
participant's identity, notes and consents would be readable by a superuser (who always exists)
and findable with ?q=<last name>. Here the trail shows who changed what kind of record, when,
and which fields, never a value or an object's name; nothing can be searched or filtered by
content; and every page viewed is written to the read log. The stored diffs are kept whole (the
history of identity changes lives there) but never leave the database through the admin.
"""

from auditlog.models import LogEntry
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from spheres import services
from spheres.models import ReadLogEntry

# Query-string filters the page itself offers; anything else (changes__icontains=…,
# object_repr__icontains=…) would turn the list into an oracle for names.
ALLOWED_LOOKUPS = {
    "action",
    "action__exact",
    "content_type",
    "content_type__id__exact",
    "timestamp__year",
    "timestamp__month",
    "timestamp__day",
    "timestamp__gte",
    "timestamp__lt",
}


class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["timestamp", "actor", "action", "content_type", "object_pk", "changed_fields"]
    list_display_links = ["timestamp"]
    list_filter = ["action", "content_type"]
    list_select_related = ["actor", "content_type"]
    date_hierarchy = "timestamp"
    search_fields: list[str] = []
    fields = ["timestamp", "actor", "action", "content_type", "object_pk", "changed_fields"]
    readonly_fields = fields
    show_full_result_count = False

    @admin.display(description=_("changed fields"))
    def changed_fields(self, obj):
        # Field names only: the values may be a participant's name, notes or consent.
        return ", ".join(sorted(obj.changes_dict))

    def lookup_allowed(self, lookup, value, request=None):
        return lookup in ALLOWED_LOOKUPS

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is not None:
            # Titles and breadcrumbs show str(obj), i.e. the stored object name: a participant's
            # name for a referral. In memory only (nothing here can save).
            obj.object_repr = f"{obj.content_type.model} #{obj.object_pk}"
        return obj

    def _log(self, request, view_name, object_id=None):
        services.read_log_record(
            user=request.user,
            action=ReadLogEntry.Action.VIEW,
            object_type="audit_log",
            object_id=int(object_id) if str(object_id or "").isdigit() else None,
            view_name=view_name,
        )

    def changelist_view(self, request, extra_context=None):
        self._log(request, "admin:auditlog_logentry_changelist")
        if "q" in request.GET:  # nothing is searchable: do not echo a typed name back either
            request.GET = request.GET.copy()
            del request.GET["q"]
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        self._log(request, "admin:auditlog_logentry_change", object_id)
        return super().change_view(request, object_id, form_url, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        self._log(request, "admin:auditlog_logentry_history", object_id)
        return super().history_view(request, object_id, extra_context)


if admin.site.is_registered(LogEntry):
    admin.site.unregister(LogEntry)
admin.site.register(LogEntry, AuditEntryAdmin)
