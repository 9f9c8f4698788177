"""State changes of the shared core: organisations, accounts, memberships and roles (accounts),
the read log and in-app notifications (records). Every function is the only way its change
happens: views, the admin and seed_demo call them. This package re-exports them all."""

from spheres.services.accounts import (
    ADMINISTRATOR_PERMISSIONS,
    ADMINISTRATORS_GROUP,
    membership_grant,
    membership_revoke_roles,
    organisation_create,
    organisation_update,
    role_grant_confirm,
    role_grant_record_direct,
    role_grant_refuse,
    role_grant_request,
    user_create,
    user_deactivate,
    user_invite,
    user_mark_email_verified,
    user_reactivate,
)
from spheres.services.records import (
    notifications_mark_read,
    notifications_send,
    read_log_record,
    read_log_record_listed,
)

__all__ = [
    "ADMINISTRATORS_GROUP",
    "ADMINISTRATOR_PERMISSIONS",
    "membership_grant",
    "membership_revoke_roles",
    "notifications_mark_read",
    "notifications_send",
    "organisation_create",
    "organisation_update",
    "read_log_record",
    "read_log_record_listed",
    "role_grant_confirm",
    "role_grant_record_direct",
    "role_grant_refuse",
    "role_grant_request",
    "user_create",
    "user_deactivate",
    "user_invite",
    "user_mark_email_verified",
    "user_reactivate",
]
