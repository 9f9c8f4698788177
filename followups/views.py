"""Follow-up pages: caseload, weekly note, contact attempts, status, risk, timeline, handover."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from followups import selectors, services
from followups.forms import (
    AttemptForm,
    HandoverForm,
    NoteForm,
    RiskForm,
    StatusForm,
    minutes_as_text,
)
from followups.models import FollowUp, WeeklyNote
from referrals.models import Assignment, Participant
from spheres import access
from spheres import services as core_services
from spheres.forms import add_service_errors, post_data, save_or_show_errors
from spheres.models import Role, User
from spheres.querydates import date_from_query
from spheres.selectors import people_with_role, roles_of


def _write(request, public_id, view_name):
    return access.get_participant_for_user(request.user, public_id, write=True, view_name=view_name)


def _back(request, participant):
    """Workers return to their caseload; the coordinator to the participant's timeline."""
    if Role.YOUTH_WORKER in roles_of(request.user):
        return redirect("caseload")
    return redirect("timeline", public_id=participant.public_id)


def caseload(request):
    if Role.YOUTH_WORKER not in roles_of(request.user):
        raise Http404
    participants = selectors.caseload(request.user)
    core_services.read_log_record_listed(
        user=request.user,
        object_type="participant",
        object_ids=[p.pk for p in participants],
        view_name="caseload",
    )
    return render(
        request,
        "followups/caseload.html",
        {
            "participants": participants,
            "this_week": services.monday_of(timezone.localdate()),
        },
    )


def note_edit(request, public_id):
    """This week's note by default; ?week=YYYY-MM-DD opens another week (a date, not personal)."""
    participant = _write(request, public_id, "note_edit")
    this_week = services.monday_of(timezone.localdate())
    week = services.monday_of(date_from_query(request, "week", this_week))
    existing = WeeklyNote.objects.filter(participant=participant, week=week).first()
    initial = {"week": week, "meetings": 0}
    if existing:
        initial.update(
            {f: getattr(existing, f) for f in services.NOTE_FIELDS if f != "meetings_minutes"}
        )
        initial.update(
            meetings_duration=minutes_as_text(existing.meetings_minutes), version=existing.version
        )
    form = NoteForm(post_data(request), initial=initial)
    conflict = None
    moved = (
        request.method == "POST"
        and form.is_valid()
        and services.monday_of(form.cleaned_data["week"]) != week
        and WeeklyNote.objects.filter(
            participant=participant, week=services.monday_of(form.cleaned_data["week"])
        ).exists()
    )
    if moved:  # the week field was changed to a week that already has its note
        form.add_error("week", _("That week already has a note: open it from the timeline."))
    if request.method == "POST" and form.is_valid():
        data = form.service_data()
        try:
            with transaction.atomic():
                services.note_save(participant=participant, actor=request.user, **data)
        except services.NoteConflict as exc:
            # Keep what was typed; show what the other person saved, to compare.
            form.add_error(None, exc)
            conflict = WeeklyNote.objects.filter(
                participant=participant, week=services.monday_of(data["week"])
            ).first()
            if conflict:
                form.data = form.data.copy()
                form.data["version"] = conflict.version
        except ValidationError as exc:
            # The service speaks of minutes; the page's field is the typed duration.
            if hasattr(exc, "error_dict") and "meetings_minutes" in exc.error_dict:
                exc.error_dict["meetings_duration"] = exc.error_dict.pop("meetings_minutes")
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("Note saved for the week of %(week)s.")
                % {"week": services.monday_of(data["week"]).isoformat()},
            )
            return _back(request, participant)
    return render(
        request,
        "followups/note_form.html",
        {
            "participant": participant,
            "form": form,
            "existing": existing,
            "conflict": conflict,
            "week": week,
        },
    )


def attempt_add(request, public_id):
    participant = _write(request, public_id, "attempt_add")
    form = AttemptForm(post_data(request))
    if (
        request.method == "POST"
        and form.is_valid()
        and save_or_show_errors(
            form,
            lambda: services.contact_attempt_record(
                participant=participant, actor=request.user, **form.cleaned_data
            ),
        )
    ):
        messages.success(
            request, _("Contact attempt recorded for %(id)s.") % {"id": participant.youth_id}
        )
        return _back(request, participant)
    return render(
        request,
        "followups/form.html",
        {"participant": participant, "form": form, "title": _("Log a contact attempt")},
    )


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
    followup = FollowUp.objects.filter(participant=participant).first()
    if followup is None:
        raise Http404
    form = StatusForm(post_data(request))
    if (
        request.method == "POST"
        and form.is_valid()
        and save_or_show_errors(
            form,
            lambda: services.followup_set_status(
                participant=participant, actor=request.user, **form.cleaned_data
            ),
        )
    ):
        messages.success(request, _("Follow-up status updated."))
        return redirect("timeline", public_id=participant.public_id)
    return render(
        request,
        "followups/form.html",
        {
            "participant": participant,
            "form": form,
            "followup": followup,
            "title": _("Follow-up status"),
        },
    )


def risk_add(request, public_id):
    participant = _write(request, public_id, "risk_add")
    form = RiskForm(post_data(request), initial={"assessed_on": timezone.localdate()})
    if (
        request.method == "POST"
        and form.is_valid()
        and save_or_show_errors(
            form,
            lambda: services.risk_assessment_record(
                participant=participant, actor=request.user, **form.cleaned_data
            ),
        )
    ):
        messages.success(request, _("Risk assessment recorded."))
        return redirect("timeline", public_id=participant.public_id)
    return render(
        request,
        "followups/form.html",
        {"participant": participant, "form": form, "title": _("Risk assessment")},
    )


def timeline(request, public_id):
    participant = access.get_participant_for_user(
        request.user,
        public_id,
        view_name="timeline",
        queryset=access.with_write_flag(
            Participant.objects.select_related("followup"), request.user
        ),
    )
    types = [t for t in request.GET.getlist("type") if t in selectors.TIMELINE_TYPES]
    followup = getattr(participant, "followup", None)
    return render(
        request,
        "followups/timeline.html",
        {
            "participant": participant,
            "followup": followup,
            "events": selectors.timeline(participant, types or None),
            "types": selectors.TIMELINE_TYPES,
            "selected": types,
            "may_change": access.may_change(request.user, participant),
        },
    )


def notifications(request):
    # Reading is safe: a link from another site must not clear the alerts (marking is a POST).
    items = list(selectors.notifications_for(request.user))
    visible = set(
        access.participants_visible_to(request.user)
        .filter(pk__in=[n.participant_id for n in items if n.participant_id])
        .values_list("pk", flat=True)
    )
    unread = any(n.read_at is None for n in items)
    return render(
        request,
        "followups/notifications.html",
        {"items": items, "visible": visible, "unread": unread},
    )


@require_POST
def notifications_mark_read(request):
    services.notifications_mark_read(user=request.user)
    return redirect("notifications")


def handover(request):
    if not access.is_coordinator(request.user):
        raise Http404
    workers = people_with_role(Role.YOUTH_WORKER)
    departing = None
    departing_id = request.GET.get("worker") or request.POST.get("departing")
    if departing_id and str(departing_id).isdigit():
        departing = User.objects.filter(pk=departing_id).first()
    if departing is None:
        return render(request, "followups/handover_pick.html", {"workers": workers})
    assignments = list(
        Assignment.objects.filter(worker=departing, ended_at__isnull=True)
        .select_related("participant__referral")
        .order_by("participant__youth_id_year", "participant__youth_id_number")
    )
    successors = _with_caseload(workers.exclude(pk=departing.pk))
    form = HandoverForm(
        post_data(request),
        assignments=assignments,
        workers=successors,
        suggestions=services.handover_suggestions(assignments),
    )
    if (
        request.method == "POST"
        and form.is_valid()
        and save_or_show_errors(
            form,
            lambda: services.handover_perform(
                departing=departing, actor=request.user, items=form.items()
            ),
        )
    ):
        messages.success(
            request,
            ngettext(
                "Handover recorded: %(n)s follow-up moved.",
                "Handover recorded: %(n)s follow-ups moved.",
                len(assignments),
            )
            % {"n": len(assignments)},
        )
        return redirect("participant_list")
    return render(
        request,
        "followups/handover.html",
        {"departing": departing, "form": form, "successors": successors},
    )


def _with_caseload(users):
    return users.annotate(
        caseload=Count("assignments", filter=Q(assignments__ended_at__isnull=True), distinct=True)
    )
