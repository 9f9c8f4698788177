"""Follow-up pages: caseload, weekly note, contact attempts, status, risk, timeline, handover.
Thin: a form, one service (through `submit`) or selector, a template."""

from allauth.account.decorators import reauthentication_required
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from followups import exports, selectors, services
from followups.forms import (
    AttemptForm,
    GoalForm,
    GoalStatusForm,
    HandoverForm,
    NeedsForm,
    NoteForm,
    NotesExportForm,
    ParticipationEndForm,
    RiskForm,
    SafetyPlanForm,
    StatusForm,
    StrategyForm,
)
from followups.models import FAILED_OUTCOMES
from followups.rules import monday_of
from referrals import access
from referrals import selectors as referral_selectors
from referrals.forms import ConsentForm
from spheres import services as core_services
from spheres.forms import post_data, post_files, submit
from spheres.links import Links
from spheres.models import ReadLogEntry, Role
from spheres.navigation import for_roles
from spheres.querydates import date_from_query
from spheres.selectors import person, roles_of


def _write(request, public_id, view_name):
    return access.get_participant_for_user(request.user, public_id, write=True, view_name=view_name)


def _back(request, participant):
    """Workers return to their caseload; the coordinator to the participant's timeline."""
    if Role.YOUTH_WORKER in roles_of(request.user):
        return redirect("followups:caseload")
    return redirect("followups:timeline", public_id=participant.public_id)


CASELOAD_PAGE_SIZE = 50


def _logged_page(
    request, participants, view_name, links: Links, *, count: int | None = None, referrals=()
):
    """One page of a caseload-like list, its rows annotated (`row.links`: `links` of the row),
    and the files it shows read-logged (with the `referrals` it also shows). `count`, when the
    caller already knows it, spares the paginator its COUNT query."""
    paginator = Paginator(participants, CASELOAD_PAGE_SIZE)
    if count is not None:
        paginator.count = count  # a cached_property: set, it is never computed
    page = paginator.get_page(request.GET.get("page"))
    rows = selectors.caseload_rows(page.object_list)
    for row in rows:
        row.links = links.of(row.public_id)
    core_services.read_log_record_listed(
        user=request.user,
        object_type="participant",
        object_ids=[p.pk for p in rows],
        view_name=view_name,
        others=[("referral", referral.pk) for referral in referrals],
    )
    return page, rows


@for_roles("followups:caseload")
def caseload(request):
    """One page at a time, whatever the caseload; `?view=` narrows it to what needs attention.
    The files the page shows are read-logged."""
    view = request.GET.get("view")
    view = view if view in selectors.CASELOAD_VIEWS else ""
    participants = selectors.caseload(request.user, view=view or None)
    counts = selectors.caseload_counts(request.user)
    links = Links(
        file="referrals:participant_detail",
        note="followups:note_edit",
        attempt="followups:attempt_add",
        missed="followups:missed_meeting",
        timeline="followups:timeline",
    )
    # The candidates shown (their names: initial meetings to hold) are read-logged too.
    candidates = list(selectors.candidates(request.user))
    page, rows = _logged_page(
        request, participants, "caseload", links, count=counts[view or "all"], referrals=candidates
    )
    context = {
        "participants": rows,
        "page": page,
        "view": view,
        "counts": counts,
        "candidates": candidates,
        "this_week": monday_of(timezone.localdate()),
    }
    return render(request, "followups/caseload.html", context)


ATTENTION_TITLES = {
    "one_attempt_left": gettext_lazy("Follow-ups one failed attempt from inactive"),
    "inactive_this_week": gettext_lazy("Follow-ups made inactive this week"),
    "without_worker": gettext_lazy("Follow-ups without an active worker"),
    "missing_notes": gettext_lazy("Notes missing last week"),
}


@for_roles("followups:attention")
def attention(request):
    """The coordinator's lists behind the home page's figures, one page at a time (the files
    it shows are read-logged, like every list)."""
    kind = request.GET.get("list")
    if kind not in selectors.ATTENTION_LISTS:
        raise Http404
    worker = person(request.GET.get("worker")) if kind == "missing_notes" else None
    participants = selectors.attention_participants(kind, worker_id=getattr(worker, "pk", None))
    page, rows = _logged_page(
        request, participants, "attention", Links(file="referrals:participant_detail")
    )
    context = {
        "participants": rows,
        "page": page,
        "kind": kind,
        "worker": worker,
        "title": ATTENTION_TITLES[kind],
    }
    return render(request, "followups/attention.html", context)


def note_edit(request, public_id):
    """This week's note by default; ?week=YYYY-MM-DD opens another week (a date, not personal)."""
    participant = _write(request, public_id, "note_edit")
    week = monday_of(date_from_query(request, "week", monday_of(timezone.localdate())))
    # A POST needs no initial data: the service reads (and locks) the saved note itself.
    existing = None if request.method == "POST" else selectors.note_for_week(participant, week)
    form = NoteForm(post_data(request), initial=NoteForm.initial_for(week, existing))
    done = submit(
        request,
        form,
        services.note_save,
        participant=participant,
        actor=request.user,
        opened_week=week,
    )
    if done:
        saved_week = done.result.week.isoformat()
        messages.success(request, _("Note saved for the week of %(week)s.") % {"week": saved_week})
        return _back(request, participant)
    conflict = None
    if isinstance(done.error, services.NoteConflict):
        # Merge onto what the other person saved and show every field where the saves differ.
        saved = selectors.note_for_week(participant, form.cleaned_data["week"])
        conflict = {"note": saved, "rows": form.rebase(saved)}
    if request.method == "POST":
        existing = selectors.note_for_week(participant, week)
    context = {"participant": participant, "form": form, "existing": existing, "week": week}
    return render(request, "followups/note_form.html", {**context, "conflict": conflict})


def _warn_before_inactive(request, participant) -> None:
    """Right after a failed attempt, say when the follow-up is about to become inactive."""
    left = selectors.attempts_before_inactive(participant)
    if left == 1:
        messages.warning(
            request,
            _("%(id)s: one more failed attempt and the follow-up becomes inactive.")
            % {"id": participant.youth_id},
        )
    elif left == 0:
        messages.warning(
            request,
            _(
                "%(id)s: no contact after the last attempts: the follow-up becomes inactive "
                "at the next check unless the person is reached."
            )
            % {"id": participant.youth_id},
        )


def attempt_add(request, public_id):
    participant = _write(request, public_id, "attempt_add")
    form = AttemptForm(post_data(request))
    done = submit(
        request, form, services.contact_attempt_record, participant=participant, actor=request.user
    )
    if done:
        messages.success(
            request, _("Contact attempt recorded for %(id)s.") % {"id": participant.youth_id}
        )
        if done.result.outcome in FAILED_OUTCOMES:
            _warn_before_inactive(request, participant)
        return _back(request, participant)
    context = {"participant": participant, "form": form, "title": _("Log a contact attempt")}
    return render(request, "followups/form.html", context)


@require_POST
def missed_meeting(request, public_id):
    participant = _write(request, public_id, "missed_meeting")
    services.missed_meeting_record(participant=participant, actor=request.user)
    messages.success(
        request,
        _(
            "Missed meeting recorded for %(id)s. It is not a failed contact: log your attempts "
            "to reach the person, and the strategy you agree on, from the timeline."
        )
        % {"id": participant.youth_id},
    )
    _warn_before_inactive(request, participant)
    return _back(request, participant)


def no_show_strategy(request, public_id, attempt_id):
    """After a missed meeting: the strategy agreed with the participant so it does not recur."""
    participant = _write(request, public_id, "no_show_strategy")
    attempt = selectors.no_show_of(participant, attempt_id)
    if attempt is None:
        raise Http404
    form = StrategyForm(post_data(request), initial={"strategy": attempt.strategy})
    if submit(
        request,
        form,
        services.no_show_strategy_record,
        participant=participant,
        actor=request.user,
        attempt=attempt,
    ):
        messages.success(request, _("Strategy recorded."))
        return redirect("followups:timeline", public_id=participant.public_id)
    context = {"participant": participant, "form": form, "title": _("After a missed meeting")}
    return render(request, "followups/form.html", context)


def status_change(request, public_id):
    participant = _write(request, public_id, "status_change")
    followup = selectors.followup_of(participant)
    if followup is None:
        raise Http404
    form = StatusForm(post_data(request))
    if submit(
        request, form, services.followup_set_status, participant=participant, actor=request.user
    ):
        messages.success(request, _("Follow-up status updated."))
        return redirect("followups:timeline", public_id=participant.public_id)
    context = {"participant": participant, "form": form, "followup": followup}
    return render(request, "followups/form.html", {**context, "title": _("Follow-up status")})


def participation_end(request, public_id, consent_id):
    """Withdrawing the program consent ends participation: the follow-up becomes inactive."""
    participant = _write(request, public_id, "participation_end")
    consent = selectors.active_program_consent(participant, consent_id)
    if consent is None:
        raise Http404
    form = ParticipationEndForm(
        post_data(request),
        initial={"withdrawn_on": timezone.localdate()},
        offer_research_use=selectors.has_research_use(participant),
    )
    if submit(
        request,
        form,
        services.participation_end,
        participant=participant,
        actor=request.user,
        consent=consent,
    ):
        messages.success(request, _("Withdrawal recorded: the follow-up is now inactive."))
        return redirect("referrals:participant_detail", public_id=participant.public_id)
    title = _("Withdraw: %(kind)s") % {"kind": consent.get_kind_display()}
    context = {"participant": participant, "form": form, "consent": consent, "title": title}
    return render(request, "referrals/participant_step.html", context)


def participation_resume(request, public_id):
    """The program consent signed again: the follow-up is reactivated, with its history."""
    participant = _write(request, public_id, "participation_resume")
    initial = {"given_on": timezone.localdate()}
    form = ConsentForm(
        post_data(request),
        post_files(request),
        initial=initial,
        workers=referral_selectors.youth_workers(),
    )
    if submit(
        request, form, services.participation_resume, participant=participant, actor=request.user
    ):
        messages.success(request, _("Program consent recorded: the follow-up is active again."))
        return redirect("referrals:participant_detail", public_id=participant.public_id)
    context = {"participant": participant, "form": form, "files": True}
    return render(
        request, "referrals/participant_step.html", {**context, "title": _("Program consent")}
    )


def risk_add(request, public_id):
    participant = _write(request, public_id, "risk_add")
    form = RiskForm(post_data(request), initial={"assessed_on": timezone.localdate()})
    if submit(
        request, form, services.risk_assessment_record, participant=participant, actor=request.user
    ):
        messages.success(request, _("Risk assessment recorded."))
        return redirect("followups:timeline", public_id=participant.public_id)
    context = {"participant": participant, "form": form, "title": _("Risk assessment")}
    return render(request, "followups/form.html", context)


def timeline(request, public_id):
    participant = access.get_participant_for_user(
        request.user,
        public_id,
        view_name="timeline",
        queryset=selectors.participants_with_followup(),
    )
    types = [t for t in request.GET.getlist("type") if t in selectors.TIMELINE_TYPES]
    return render(
        request,
        "followups/timeline.html",
        {
            "participant": participant,
            "followup": getattr(participant, "followup", None),
            "events": selectors.timeline(participant, types or None),
            "types": selectors.TIMELINE_TYPES,
            "selected": types,
            "may_change": participant.user_may_change,
        },
    )


# --- Plans: needs evaluation, safety plan, life plan -------------------------------------------


def plans(request, public_id):
    participant = access.get_participant_for_user(request.user, public_id, view_name="plans")
    context = {"participant": participant, "may_change": participant.user_may_change}
    return render(request, "followups/plans.html", {**context, **selectors.plans_of(participant)})


def _plan_step(request, participant, form, service, *, success, title, head_title=None, **extra):
    """A change to the plans: its form, the service, back to the plans page."""
    if submit(request, form, service, participant=participant, actor=request.user, **extra):
        messages.success(request, success)
        return redirect("followups:plans", public_id=participant.public_id)
    context = {
        "participant": participant,
        "form": form,
        "title": title,
        "head_title": head_title or title,
    }
    return render(request, "followups/plan_form.html", context)


def needs_evaluate(request, public_id):
    participant = _write(request, public_id, "needs_evaluate")
    form = NeedsForm(post_data(request), initial={"evaluated_on": timezone.localdate()})
    return _plan_step(
        request,
        participant,
        form,
        services.needs_evaluate,
        success=_("Needs evaluation recorded."),
        title=_("Needs evaluation"),
    )


def safety_plan_edit(request, public_id):
    participant = _write(request, public_id, "safety_plan_edit")
    current = selectors.current_safety_plan(participant)
    initial = {"reviewed_on": timezone.localdate(), "text": current.text if current else ""}
    form = SafetyPlanForm(post_data(request), initial=initial)
    return _plan_step(
        request,
        participant,
        form,
        services.safety_plan_save,
        success=_("Safety plan saved."),
        title=_("Safety plan"),
    )


def goal_add(request, public_id):
    participant = _write(request, public_id, "goal_add")
    form = GoalForm(post_data(request), initial={"set_on": timezone.localdate()})
    return _plan_step(
        request,
        participant,
        form,
        services.life_plan_goal_add,
        success=_("Goal added to the life plan."),
        title=_("New life-plan goal"),
    )


def goal_update(request, public_id, goal_id):
    participant = _write(request, public_id, "goal_update")
    goal = selectors.goal_of(participant, goal_id)
    if goal is None:
        raise Http404
    initial = {"status": goal.status, "changed_on": timezone.localdate()}
    return _plan_step(
        request,
        participant,
        GoalStatusForm(post_data(request), initial=initial),
        services.life_plan_goal_update,
        success=_("Goal updated."),
        title=_("Goal: %(goal)s") % {"goal": goal.goal},
        # The goal's own words stay out of the window's title (browser history, tab lists).
        head_title=_("Goal"),
        goal=goal,
    )


def notifications(request):
    # Reading is safe: a link from another site must not clear the alerts (marking is a POST).
    items = selectors.notifications_for(request.user)
    core_services.read_log_record_listed(
        user=request.user,
        object_type="participant",
        object_ids=sorted({n.participant.pk for n in items if n.participant}),
        view_name="notifications",
    )
    unread = any(n.read_at is None for n in items)
    return render(request, "followups/notifications.html", {"items": items, "unread": unread})


@require_POST
def notifications_mark_read(request):
    core_services.notifications_mark_read(user=request.user)
    return redirect("followups:notifications")


@for_roles("followups:handover")
def handover(request):
    departing = person(request.GET.get("worker") or request.POST.get("departing"))
    if departing is None:
        context = {"workers": selectors.departing_workers()}
        return render(request, "followups/handover_pick.html", context)
    # One batch at a time (HANDOVER_BATCH): the page costs the same whatever the caseload.
    assignments = selectors.departing_assignments(departing, limit=selectors.HANDOVER_BATCH)
    remaining = selectors.open_assignment_count(departing)
    successors = selectors.successors_for(departing)
    suggestions = selectors.handover_suggestions(assignments)
    form = HandoverForm(
        post_data(request), assignments=assignments, workers=successors, suggestions=suggestions
    )
    if submit(request, form, services.handover_perform, departing=departing, actor=request.user):
        moved = ngettext(
            "Handover recorded: %(n)s follow-up moved.",
            "Handover recorded: %(n)s follow-ups moved.",
            len(assignments),
        ) % {"n": len(assignments)}
        left = remaining - len(assignments)
        if left > 0:
            moved += " " + ngettext(
                "%(n)s follow-up remains to be handed over.",
                "%(n)s follow-ups remain to be handed over.",
                left,
            ) % {"n": left}
            messages.success(request, moved)
            return redirect(reverse("followups:handover") + f"?worker={departing.pk}")
        messages.success(request, moved)
        return redirect("referrals:participant_list")
    # The page lists the departing worker's participants and candidates: a list page, logged.
    for object_type, ids in (
        ("participant", [a.participant_id for a in assignments if a.participant_id]),
        ("referral", [a.referral_id for a in assignments if not a.participant_id]),
    ):
        if ids:
            core_services.read_log_record_listed(
                user=request.user, object_type=object_type, object_ids=ids, view_name="handover"
            )
    context = {
        "departing": departing,
        "form": form,
        "successors": successors,
        "remaining": remaining,
        "after_batch": max(0, remaining - len(assignments)),
    }
    return render(request, "followups/handover.html", context)


@for_roles("followups:notes_export")
@reauthentication_required(allow_get=True)
def notes_export(request):
    """The coordinator's flat notes export, one row per participant-week. Downloading asks for
    the password again (as the research export does): the file holds every worker's notes. The
    participants it holds are read-logged as exported, one row each, before it is written."""
    form = NotesExportForm(post_data(request))
    if request.method == "POST" and form.is_valid():
        notes = selectors.notes_for_export(
            request.user, since=form.cleaned_data["since"], until=form.cleaned_data["until"]
        )
        core_services.read_log_record_listed(
            user=request.user,
            object_type="participant",
            object_ids=selectors.participant_ids_of(notes),
            view_name="notes_export",
            action=ReadLogEntry.Action.EXPORT,
        )
        return exports.response(notes, form.cleaned_data["file_format"])
    return render(request, "followups/notes_export.html", {"form": form})
