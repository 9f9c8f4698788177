"""Plans on the participant file: needs evaluation, safety plan, life-plan goals (DOMAIN.md:
Follow-ups — coaching evaluates the five targeted needs first and builds a safety net and a life
plan; Consent and confidentiality — the file holds a safety plan and a healthy-living plan).
The coordinator and the assigned workers write them; every change keeps the earlier state."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from followups.models import (
    GoalStatus,
    LifePlanGoal,
    LifePlanGoalChange,
    NeedsEvaluation,
    SafetyPlan,
    TargetedNeed,
)
from referrals.access import require_change
from referrals.models import Participant
from spheres.models import User


def _not_in_the_future(field: str, day: datetime.date | None) -> None:
    if day and day > timezone.localdate():
        raise ValidationError({field: _("The date cannot be in the future.")})


@transaction.atomic
def needs_evaluate(
    *, participant: Participant, actor: User, evaluated_on: datetime.date, **notes: str
) -> NeedsEvaluation:
    """The five targeted needs (emergency, stability, participation, recovery, relationship),
    a short note each; a blank note means "not a need now". Evaluated at the start and whenever
    the needs change: each evaluation is kept, the latest is current."""
    require_change(actor, participant)
    unknown = set(notes) - set(TargetedNeed.values)
    if unknown:
        raise TypeError(f"unknown needs: {sorted(unknown)}")
    _not_in_the_future("evaluated_on", evaluated_on)
    cleaned = {need: (notes.get(need) or "").strip() for need in TargetedNeed.values}
    if not any(cleaned.values()):
        raise ValidationError(_("Write a short note for at least one of the five needs."))
    evaluation = NeedsEvaluation(
        participant=participant, evaluated_on=evaluated_on, recorded_by=actor, **cleaned
    )
    evaluation.full_clean()
    evaluation.save()
    return evaluation


@transaction.atomic
def safety_plan_save(
    *,
    participant: Participant,
    actor: User,
    text: str,
    reviewed_on: datetime.date,
    next_review_on: datetime.date,
) -> SafetyPlan:
    """A new version of the safety plan (free text), written by the person saving it, with the
    date it was last reviewed and the next review. Earlier versions are kept."""
    require_change(actor, participant)
    errors = {}
    if not text.strip():
        errors["text"] = _("Write the safety plan.")
    if reviewed_on > timezone.localdate():
        errors["reviewed_on"] = _("The date cannot be in the future.")
    if next_review_on <= reviewed_on:
        errors["next_review_on"] = _("The next review comes after the last one.")
    if errors:
        raise ValidationError(errors)
    plan = SafetyPlan(
        participant=participant,
        text=text.strip(),
        author=actor,
        reviewed_on=reviewed_on,
        next_review_on=next_review_on,
    )
    plan.full_clean()
    plan.save()
    return plan


@transaction.atomic
def life_plan_goal_add(
    *,
    participant: Participant,
    actor: User,
    goal: str,
    set_on: datetime.date,
    target_on: datetime.date | None = None,
) -> LifePlanGoal:
    """A goal of the healthy-living (life) plan, open from the date it was set."""
    require_change(actor, participant)
    _not_in_the_future("set_on", set_on)
    if target_on and target_on < set_on:
        raise ValidationError({"target_on": _("The target date comes after the date set.")})
    if not goal.strip():
        raise ValidationError({"goal": _("Write the goal.")})
    item = LifePlanGoal(
        participant=participant,
        goal=goal.strip(),
        status=GoalStatus.OPEN,
        set_on=set_on,
        target_on=target_on,
        status_changed_on=set_on,
        recorded_by=actor,
    )
    item.full_clean()
    item.save()
    LifePlanGoalChange.objects.create(
        goal=item, to_status=GoalStatus.OPEN, changed_on=set_on, changed_by=actor
    )
    return item


@transaction.atomic
def life_plan_goal_update(
    *,
    participant: Participant,
    actor: User,
    goal: LifePlanGoal,
    status: str,
    changed_on: datetime.date,
    note: str = "",
) -> LifePlanGoal:
    """A goal moves between open, in progress, reached and dropped (and back: plans change),
    dated, with an optional note; every change is kept."""
    require_change(actor, participant)
    item = LifePlanGoal.objects.select_for_update().get(pk=goal.pk, participant=participant)
    errors = {}
    if status not in GoalStatus.values:
        errors["status"] = _("Choose a status.")
    elif status == item.status:
        errors["status"] = _("The goal is already %(status)s.") % {
            "status": GoalStatus(status).label.lower()
        }
    if changed_on > timezone.localdate():
        errors["changed_on"] = _("The date cannot be in the future.")
    elif changed_on < item.status_changed_on:
        errors["changed_on"] = _("The goal's status already changed after that date.")
    if errors:
        raise ValidationError(errors)
    LifePlanGoalChange.objects.create(
        goal=item,
        from_status=item.status,
        to_status=status,
        changed_on=changed_on,
        note=note.strip(),
        changed_by=actor,
    )
    item.status, item.status_changed_on = status, changed_on
    item.full_clean()
    item.save(update_fields=["status", "status_changed_on"])
    return item
