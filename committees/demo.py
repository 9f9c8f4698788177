"""Demo committees (seed_demo runs `seed` after referrals and followups), through the services:

- the Clinical Committee: the coordinator, the five youth workers (the Marie-Vincent worker as a
  substitute), the police officer and the research representative; last week's meeting, held and
  closed (attendance, an action item still open), and the next four weekly meetings, whose
  agendas are prepared from the demo referrals and follow-ups;
- the Steering Committee (the partners' managers and the coordinator), two quarterly meetings;
- the Joint Committee (Steering and Clinical members) and the Extended Committee (Clinical members
  and a worker of another regional organisation, without an account), one meeting each.

Idempotent: skipped when the demo Clinical Committee exists."""

import datetime

from django.utils import timezone

from committees import services
from committees.models import AttendanceStatus, Committee, CommitteeKind, MemberRole
from spheres.demo import SeedContext

CLINICAL = "Comité clinique"
COORDINATOR = "coordination"
CLINICAL_PEOPLE = [
    ("coordination", MemberRole.TITULAR),
    ("intervenant.ccsmtl", MemberRole.TITULAR),
    ("intervenant.codim", MemberRole.TITULAR),
    ("intervenant.enmarge", MemberRole.TITULAR),
    ("intervenant.anonyme", MemberRole.TITULAR),
    ("intervenant.mariev", MemberRole.SUBSTITUTE),
    ("police", MemberRole.TITULAR),
    ("recherche", MemberRole.TITULAR),
]
STEERING_PEOPLE = [
    ("coordination", MemberRole.TITULAR),
    ("direction.ccsmtl", MemberRole.TITULAR),
    ("direction.enmarge", MemberRole.TITULAR),
]


def _next(weekday: int, today: datetime.date) -> datetime.date:
    """The next such weekday after today (Monday is 0)."""
    return today + datetime.timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)


def _committee(ctx, kind, name, people, since, **options):
    coordinator = ctx.people[COORDINATOR]
    committee = services.committee_create(actor=coordinator, kind=kind, name=name, **options)
    for local, role in people:
        if local in ctx.people:
            services.member_add(
                committee=committee,
                actor=coordinator,
                user=ctx.people[local],
                role=role,
                starts_on=since,
            )
    return committee


def seed(ctx: SeedContext) -> None:
    if COORDINATOR not in ctx.people or Committee.objects.filter(name=CLINICAL).exists():
        return
    coordinator = ctx.people[COORDINATOR]
    today = timezone.localdate()
    since = today - datetime.timedelta(days=365)
    clinical = _committee(
        ctx,
        CommitteeKind.CLINICAL,
        CLINICAL,
        CLINICAL_PEOPLE,
        since,
        default_place="CCSMTL — 1560, rue Sherbrooke Est, salle 2.14",
        default_video_link="https://visio.example.org/comite-clinique",
    )
    # Last week's meeting, recorded after the fact, held and closed.
    held = services.meeting_schedule(
        committee=clinical,
        actor=coordinator,
        day=_next(1, today) - datetime.timedelta(days=7),
        start_time=datetime.time(9, 30),
    )[0]
    seats = {m.user_id: m for m in clinical.members.all()}
    attendance = {
        local: [seats[ctx.people[local].pk], AttendanceStatus.PRESENT, None]
        for local, _role in CLINICAL_PEOPLE
        if local in ctx.people
    }
    if {"intervenant.anonyme", "intervenant.mariev"} <= set(attendance):
        attendance["intervenant.anonyme"][1] = AttendanceStatus.EXCUSED
        attendance["intervenant.mariev"][2] = attendance["intervenant.anonyme"][0]
    if "recherche" in attendance:
        attendance["recherche"][1] = AttendanceStatus.ABSENT
    services.attendance_record(
        meeting=held, actor=coordinator, rows=[tuple(row) for row in attendance.values()]
    )
    services.action_create(
        meeting=held,
        actor=coordinator,
        title="Proposer une date de formation sur l'entretien motivationnel",
        owner=ctx.people.get("intervenant.codim", coordinator),
        due_on=today + datetime.timedelta(days=10),
    )
    services.meeting_close(meeting=held, actor=coordinator)
    # The next four weekly meetings: their agendas are prepared now and refreshed until each
    # starts (the periodic job).
    services.meeting_schedule(
        committee=clinical,
        actor=coordinator,
        day=_next(1, today),
        start_time=datetime.time(9, 30),
        frequency="weekly",
        count=4,
    )

    steering = _committee(
        ctx,
        CommitteeKind.STEERING,
        "Comité directeur",
        STEERING_PEOPLE,
        since,
        default_place="CCSMTL — salle du conseil",
    )
    services.meeting_schedule(
        committee=steering,
        actor=coordinator,
        day=_next(3, today) + datetime.timedelta(days=14),
        start_time=datetime.time(13, 30),
        frequency="quarterly",
        count=2,
    )
    joint = _committee(
        ctx, CommitteeKind.JOINT, "Comité conjoint", CLINICAL_PEOPLE + STEERING_PEOPLE[1:], since
    )
    services.meeting_schedule(
        committee=joint,
        actor=coordinator,
        day=_next(2, today) + datetime.timedelta(days=45),
        start_time=datetime.time(9, 0),
    )
    extended = _committee(ctx, CommitteeKind.EXTENDED, "Comité élargi", CLINICAL_PEOPLE, since)
    services.member_add(
        committee=extended,
        actor=coordinator,
        external_name=f"{ctx.faker.first_name()} {ctx.faker.last_name()}",
        external_organisation="Maison des jeunes de la Rive-Sud",
        external_email="rive-sud@example.org",
        starts_on=since,
    )
    services.meeting_schedule(
        committee=extended,
        actor=coordinator,
        day=_next(4, today) + datetime.timedelta(days=30),
        start_time=datetime.time(10, 0),
    )
    ctx.log.append("committees: 4 committees, 9 meetings (1 held, agendas prepared)")
