"""Shared core: people, partner organisations, program roles, notifications and the read log."""

from django.contrib.auth.models import AbstractUser, BaseUserManager, Group
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create(self, email, password, **extra):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra.update(is_staff=True, is_superuser=True)
        return self._create(email, password, **extra)


class User(AbstractUser):
    """A person who signs in. Identified by e-mail; no username (nothing to enumerate)."""

    username = None
    email = models.EmailField(_("e-mail address"), unique=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["last_name", "first_name"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
        ]

    def __str__(self):
        return self.get_full_name() or self.email


class Sector(models.TextChoices):
    INSTITUTIONAL = "institutional", _("Institutional (health and social services)")
    COMMUNITY = "community", _("Community")
    POLICE = "police", _("Police")
    SPECIALISED = "specialised", _("Specialised sexual-violence services")
    RESEARCH = "research", _("Research")


class Organisation(models.Model):
    """A partner organisation. Its group is what django-guardian grants object permissions to."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    short_name = models.CharField(_("short name"), max_length=40, unique=True)
    sector = models.CharField(_("sector"), max_length=20, choices=Sector.choices)
    is_active = models.BooleanField(_("active"), default=True)
    group = models.OneToOneField(
        Group, on_delete=models.PROTECT, related_name="organisation", editable=False
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("partner organisation")
        verbose_name_plural = _("partner organisations")
        ordering = ["short_name"]

    def __str__(self):
        return self.short_name

    @property
    def is_police(self) -> bool:
        return self.sector == Sector.POLICE


class Role(models.TextChoices):
    COORDINATOR = "coordinator", _("Coordinator")
    YOUTH_WORKER = "youth_worker", _("Youth worker")
    CLINICAL_COMMITTEE = "clinical_committee", _("Clinical Committee member")
    STEERING_COMMITTEE = "steering_committee", _("Steering Committee member")
    RESEARCHER = "researcher", _("Researcher")
    ADMINISTRATOR = "administrator", _("Administrator")


# Roles whose holders may be granted participant files (through an assignment or their
# organisation's sharing consent); nobody else ever sees one.
CASE_ROLES = frozenset({Role.YOUTH_WORKER, Role.CLINICAL_COMMITTEE})


class Membership(models.Model):
    """A person's membership in a partner organisation."""

    user = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("person")
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="memberships"
    )
    is_active = models.BooleanField(_("active"), default=True)
    # Contracted hours: the dashboards set caseloads against them (workload, DOMAIN.md: Caseloads).
    hours_per_week = models.PositiveSmallIntegerField(
        _("hours per week"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(80)],
        help_text=_("Hours worked for the program each week (youth workers)."),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation"], name="membership_unique_user_organisation"
            ),
        ]

    def __str__(self):
        return f"{self.user} · {self.organisation}"


class MembershipRole(models.Model):
    """One program role held through a membership (a membership may carry several)."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        constraints = [
            models.UniqueConstraint(fields=["membership", "role"], name="membership_role_unique"),
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values), name="membership_role_valid"
            ),
        ]

    def __str__(self):
        return self.get_role_display()


class RoleGrant(models.Model):
    """A role that opens participant files (coordinator, youth worker, Clinical Committee
    member), as requested and as decided: the person holds it only once it is confirmed by
    someone other than the requester (spheres.role_grants). Kept as the log of such grants."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting confirmation")
        CONFIRMED = "confirmed", _("Confirmed")
        REFUSED = "refused", _("Refused")

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="role_grants")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    # None: done from the server's shell (manage.py role_grants), e.g. the first coordinator.
    requested_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    requested_at = models.DateTimeField(_("requested"), default=timezone.now)
    decided_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    class Meta:
        verbose_name = _("role grant")
        verbose_name_plural = _("role grants")
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation", "role"],
                condition=models.Q(status="pending"),
                name="rolegrant_one_pending",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    role__in=[Role.COORDINATOR, Role.YOUTH_WORKER, Role.CLINICAL_COMMITTEE]
                ),
                name="rolegrant_case_role",
            ),
            models.CheckConstraint(
                condition=models.Q(status="pending", decided_at__isnull=True)
                | (~models.Q(status="pending") & models.Q(decided_at__isnull=False)),
                name="rolegrant_decided_when_not_pending",
            ),
            # The coordinator role always takes a second person.
            models.CheckConstraint(
                condition=~models.Q(role="coordinator", status="confirmed")
                | ~models.Q(decided_by=models.F("requested_by")),
                name="rolegrant_coordinator_second_person",
            ),
        ]

    def __str__(self):
        return f"{self.get_role_display()} #{self.pk} ({self.status})"


class ReadLogEntry(models.Model):
    """Who opened (or tried to open) which record, when. Ids only: never a name or free text."""

    class Action(models.TextChoices):
        VIEW = "view", _("Viewed")
        DOWNLOAD = "download", _("Downloaded")
        EXPORT = "export", _("Exported")
        DENIED = "denied", _("Access refused")

    user = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="read_log_entries", null=True, blank=True
    )
    at = models.DateTimeField(default=timezone.now, db_index=True)
    action = models.CharField(max_length=10, choices=Action.choices)
    object_type = models.CharField(max_length=50)
    object_id = models.BigIntegerField(null=True, blank=True)
    view_name = models.CharField(max_length=100, blank=True)

    class Meta:
        verbose_name = _("read log entry")
        verbose_name_plural = _("read log")
        ordering = ["-at"]
        indexes = [
            models.Index(fields=["object_type", "object_id", "at"], name="readlog_object_at"),
            models.Index(fields=["user", "at"], name="readlog_user_at"),
        ]

    def __str__(self):
        # Local time and the action in the reader's language, as the admin's list shows them.
        at = timezone.localtime(self.at)
        return (
            f"{at:%Y-%m-%d %H:%M} {self.get_action_display()} {self.object_type}#{self.object_id}"
        )


class Notification(models.Model):
    """In-app notice. Carries ids and a kind, never names: the page shows the details to those
    who may see them. The core knows no participant model, so the participant is a plain id."""

    class Kind(models.TextChoices):
        INACTIVE = "inactive", _("A follow-up became inactive (unreachable)")
        MISSING_NOTES = "missing_notes", _("Weekly notes are missing")
        # A candidate, too: workers are assigned from screening on, before admission.
        ASSIGNED = "assigned", _("You were assigned a participant or a candidate")
        HANDOVER = "handover", _("You received a follow-up or a candidate through a handover")
        REFERRAL = "referral", _("A partner sent a referral")

    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    participant_id = models.BigIntegerField(null=True, blank=True)
    count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notice_recipient_unread")]

    def __str__(self):
        return f"{self.kind} #{self.pk}"
