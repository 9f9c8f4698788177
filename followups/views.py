"""Follow-up pages: caseload, weekly note, contact attempts, status, risk, timeline, handover.
Thin: a form, one service (through `submit`) or selector, a template."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from followups import selectors, services
from followups.forms import AttemptForm, HandoverForm, NoteForm, RiskForm, StatusForm
from followups.rules import monday_of
from referrals import access
from spheres import services as core_services
from spheres.forms import post_data, submit
from spheres.models import Role
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


@for_roles("followups:caseload")
def caseload(request):
    participants = selectors.caseload(request.user)
    core_services.read_log_record_listed(
        user=request.user,
        object_type="participant",
        object_ids=[p.pk for p in participants],
        view_name="caseload",
    )
    context = {"participants": participants, "this_week": monday_of(timezone.localdate())}
    return render(request, "followups/caseload.html", context)


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
        # Keep what was typed; show what the other person saved, to compare.
        conflict = selectors.note_for_week(participant, form.cleaned_data["week"])
        form.rebase(conflict)
    if request.method == "POST":
        existing = selectors.note_for_week(participant, week)
    context = {"participant": participant, "form": form, "existing": existing, "week": week}
    return render(request, "followups/note_form.html", {**context, "conflict": conflict})


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
        return _back(request, participant)
    context = {"participant": participant, "form": form, "title": _("Log a contact attempt")}
    return render(request, "followups/form.html", context)


@require_POST
def missed_meeting(request, public_id):
    participant = _write(request, public_id, "missed_meeting")
    services.missed_meeting_record(participant=participant, actor=request.user)
    messages.success(
        request, _("Missed meeting recorded for %(id)s.") % {"id": participant.youth_id}
    )
    return _back(request, participant)


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
        context = {"workers": selectors.youth_workers()}
        return render(request, "followups/handover_pick.html", context)
    assignments = selectors.departing_assignments(departing)
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
        )
        messages.success(request, moved % {"n": len(assignments)})
        return redirect("referrals:participant_list")
    context = {"departing": departing, "form": form, "successors": successors}
    return render(request, "followups/handover.html", context)
