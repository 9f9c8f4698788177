"""Django admin for administrators: organisations and accounts. Changes go through services."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

# audit_admin registers the audit trail, without case content, in place of auditlog's own.
from spheres import audit_admin, services  # noqa: F401
from spheres.models import Membership, MembershipRole, Organisation, ReadLogEntry, User


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["short_name", "name", "sector", "is_active"]
    list_filter = ["sector", "is_active"]
    search_fields = ["name", "short_name"]
    fields = ["name", "short_name", "sector", "is_active"]

    def has_delete_permission(self, request, obj=None):
        return False  # deactivate instead: history and permissions refer to it

    def save_model(self, request, obj, form, change):
        data = {f: form.cleaned_data[f] for f in self.fields}
        if change:
            services.organisation_update(organisation=obj, **data)
        else:
            created = services.organisation_create(**data)
            obj.pk = created.pk


class MembershipRoleInline(admin.TabularInline):
    model = MembershipRole
    extra = 0
    can_delete = False
    readonly_fields = ["role"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation", "is_active"]
    list_filter = ["organisation", "is_active"]
    list_select_related = ["user", "organisation"]
    readonly_fields = ["user", "organisation", "is_active", "created_at"]
    inlines = [MembershipRoleInline]

    def has_add_permission(self, request):
        return False  # people join through an invitation, which grants their roles

    def has_delete_permission(self, request, obj=None):
        return False


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


@admin.register(ReadLogEntry)
class ReadLogEntryAdmin(admin.ModelAdmin):
    list_display = ["at", "user", "action", "object_type", "object_id", "view_name"]
    list_filter = ["action", "object_type"]
    list_select_related = ["user"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
