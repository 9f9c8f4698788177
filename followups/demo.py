"""Demo follow-up data: weekly notes, contact attempts, risk assessments and status changes.

- seed(ctx): for the demo participants (built by referrals.demo through the services), recent
  weekly notes, contact attempts, risk at admission, one follow-up on break, one that the
  inactivity job will flag (two failed attempts, no meeting in the last weeks) and one ended by
  the withdrawal of the program consent. Through the services; idempotent.
- seed_volume(ctx): ctx.participants admitted participants through the bulk path (followups.bulk),
  with ctx.weeks weeks of notes each (benchmarks).
"""

import datetime

from django.db import transaction
from django.utils import timezone

from followups import services
from followups.bulk import NoteRow, notes_create_bulk, participants_admit_bulk
from followups.models import (
    NOTE_CHANNELS,
    AttemptOutcome,
    Channel,
    ContactAttempt,
    FollowUp,
    FollowUpStatus,
    NoContactReason,
    RiskAssessment,
    RiskLevel,
    Satisfaction,
    TargetedNeed,
    WeeklyNote,
)
from followups.rules import monday_of
from referrals.demo import volume
from referrals.demo.data import ADMITTED
from referrals.models import Assignment, ConsentKind, Participant
from spheres.demo import SeedContext

BATCH = 5000
ACTIVITIES = [
    "Prise de rendez-vous", "Discussion informelle", "Rencontre avec une survivante",
    "Visionnement d'une vidéo", "Visite au musée", "Accompagnement médical",
    "Activité sportive", "Démarches juridiques", "Recherche de logement",
]  # fmt: skip
SUMMARIES = [
    "Clinique : retour sur la semaine, objectifs du plan de vie saine.",
    "Récréatif : activité choisie par la jeune, bonne participation.",
    "Social : accompagnement vers une ressource d'hébergement.",
    "Juridique : préparation d'une rencontre avec l'avocate.",
    "Communautaire : visite d'un organisme du quartier.",
]


def _note_fields(rng) -> dict:
    meetings = rng.choice([0, 0, 1, 1, 1, 2])
    channels = rng.sample([c.value for c in NOTE_CHANNELS], k=rng.choice([0, 1, 1, 2]))
    fields = {
        "meetings": meetings,
        "meetings_minutes": meetings * rng.choice([30, 45, 60, 90]),
        "other_channels": channels,
        "main_activity": rng.choice(ACTIVITIES) if meetings else "",
        "targeted_need": rng.choice(TargetedNeed.values),
        "worker_satisfaction": rng.choice(Satisfaction.values),
        "participant_satisfaction": rng.choice(Satisfaction.values),
        "activities_summary": rng.choice(SUMMARIES) if meetings else "",
    }
    if not meetings and not channels:
        fields["no_contact_reason"] = rng.choice(
            [NoContactReason.NOT_SCHEDULED, NoContactReason.NO_NEWS]
        )
    return fields


def _withdraw(participant: Participant, worker, rng) -> None:
    """The participant withdrew the program consent a month or two after admission: that ends
    participation (the follow-up becomes inactive for voluntary withdrawal)."""
    today = timezone.localdate()
    withdrawn_on = min(today, participant.admitted_on + datetime.timedelta(rng.randint(30, 90)))
    services.participation_end(
        participant=participant,
        actor=worker,
        consent=participant.consents.get(kind=ConsentKind.PROGRAM),
        withdrawn_on=withdrawn_on,
    )
    at = timezone.make_aware(datetime.datetime.combine(withdrawn_on, datetime.time(14)))
    FollowUp.objects.filter(participant=participant).update(status_since=at)
    participant.followup.changes.filter(to_status=FollowUpStatus.INACTIVE).update(changed_at=at)


def seed(ctx: SeedContext) -> None:
    participants = list(
        Participant.objects.filter(referral__submitted_by__email__endswith="@demo.spheres.test")
        .select_related("followup")
        .prefetch_related("assignments__worker")
        .order_by("pk")
    )
    if not participants or WeeklyNote.objects.filter(participant__in=participants).exists():
        return
    rng = ctx.faker.random
    this_week = monday_of(timezone.localdate())
    notes = attempts = 0
    for index, participant in enumerate(participants):
        active = [a for a in participant.assignments.all() if a.ended_at is None]
        if not active or participant.program_consent_withdrawn:
            continue
        worker = next((a.worker for a in active if a.role == "primary"), active[0].worker)
        # The follow-up began at admission (referrals.demo back-dates admissions after the fact).
        began = timezone.make_aware(
            datetime.datetime.combine(participant.admitted_on, datetime.time(9))
        )
        FollowUp.objects.filter(participant=participant).update(
            period_started_at=began, status_since=began
        )
        participant.followup.changes.update(changed_at=began)
        spec = ADMITTED[index] if index < len(ADMITTED) else {}
        if spec.get("withdraw"):
            _withdraw(participant, worker, rng)
            continue
        services.risk_assessment_record(
            participant=participant,
            actor=worker,
            time_point=0,
            assessed_on=participant.admitted_on,
            level=rng.choice(RiskLevel.values),
        )
        for weeks_ago in range(1, 7):
            week = this_week - datetime.timedelta(weeks=weeks_ago)
            if week + datetime.timedelta(days=6) < participant.admitted_on:
                continue
            fields = _note_fields(rng)
            if index == 1 and weeks_ago <= 2:  # the unreachable one: no news lately
                fields.update(meetings=0, meetings_minutes=0, main_activity="", other_channels=[])
                fields.update(no_contact_reason=NoContactReason.NO_NEWS, activities_summary="")
            services.note_save(participant=participant, actor=worker, week=week, **fields)
            notes += 1
        services.contact_attempt_record(
            participant=participant,
            actor=worker,
            channel=Channel.PHONE,
            outcome=AttemptOutcome.REACHED,
            at=timezone.now() - datetime.timedelta(days=3),
        )
        attempts += 1
        if index == 1:  # unreachable since: the inactivity job will flag it
            for hours in (30, 6):
                services.contact_attempt_record(
                    participant=participant,
                    actor=worker,
                    channel=Channel.TEXT,
                    outcome=AttemptOutcome.NO_ANSWER,
                    at=timezone.now() - datetime.timedelta(hours=hours),
                )
                attempts += 1
        if index == 2:
            services.followup_set_status(
                participant=participant,
                actor=worker,
                to_status=FollowUpStatus.ON_BREAK,
                break_terms="Pause convenue pendant son stage ; elle écrit à son retour.",
                break_resume_on=timezone.localdate() + datetime.timedelta(days=21),
            )
    ctx.log.append(f"follow-ups: {notes} weekly notes, {attempts} contact attempts")


@transaction.atomic
def seed_volume(ctx: SeedContext) -> None:
    """ctx.participants more admitted participants through the bulk path (follow-ups with their
    history rows included), ctx.weeks weeks of notes each (ending last week, never before
    admission, checked by the note rules), a few contact attempts and the admission risk level.
    Not idempotent by design: each run adds that many."""
    if ctx.participants <= 0:
        return
    rng = ctx.faker.random
    participants = participants_admit_bulk(
        rows=volume.admission_rows(ctx, ctx.participants), actor=volume.coordinator(ctx)
    )
    authors = {
        pid: wid
        for pid, wid in Assignment.objects.filter(
            participant__in=participants, role="primary", ended_at__isnull=True
        ).values_list("participant_id", "worker_id")
    }
    workers = {u.pk: u for u in ctx.people.values()}
    this_week = monday_of(timezone.localdate())
    notes = 0
    batch = []
    for participant in participants:
        first = monday_of(participant.admitted_on)
        author = workers[authors[participant.pk]]
        for weeks_ago in range(ctx.weeks, 0, -1):
            week = this_week - datetime.timedelta(weeks=weeks_ago)
            if week >= first:
                batch.append(NoteRow(participant, week, author, _note_fields(rng)))
        if len(batch) >= BATCH:
            notes += len(notes_create_bulk(rows=batch))
            batch = []
    notes += len(notes_create_bulk(rows=batch))
    now = timezone.now()
    ContactAttempt.objects.bulk_create(
        [
            ContactAttempt(
                participant=p,
                at=now - datetime.timedelta(days=rng.randint(1, 60)),
                channel=rng.choice([Channel.PHONE, Channel.TEXT, Channel.MESSENGER]),
                outcome=rng.choice(
                    [AttemptOutcome.REACHED, AttemptOutcome.REACHED, AttemptOutcome.NO_ANSWER]
                ),
                recorded_by_id=authors[p.pk],
            )
            for p in participants
            for _ in range(rng.randint(1, 3))
        ],
        batch_size=BATCH,
    )
    RiskAssessment.objects.bulk_create(
        [
            RiskAssessment(
                participant=p,
                time_point=0,
                assessed_on=p.admitted_on,
                level=rng.choice(RiskLevel.values),
                recorded_by_id=authors[p.pk],
            )
            for p in participants
        ],
        batch_size=BATCH,
    )
    ctx.log.append(
        f"volume: {len(participants)} participants with follow-ups, {notes} weekly notes"
    )
