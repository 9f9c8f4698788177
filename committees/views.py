"""Committee pages. Thin: a form, one service (through `submit`) or selector, a template.

A committee and its meetings answer 404 to anyone but the coordinator and its current members.
On a Clinical agenda, names and content show only where the participant access policy allows,
and every page that shows participant content writes the read log (ids only)."""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from committees import access, documents, figures, forms, selectors, services
from committees.models import PRESENTATION_FIELDS, DecisionKind, ItemKind
from committees.rules import DECISIONS_FOR
from referrals import forms as referral_forms
from referrals import selectors as referral_selectors
from referrals.access import is_coordinator, may_change
from spheres.forms import post_data, post_files, submit
from spheres.models import ReadLogEntry
from spheres.navigation import for_roles
from spheres.services import read_log_record, read_log_record_listed

# --- Committees and members ----------------------------------------------------------------------


def _host_only(request):
    """Pages that only the coordinator (the committees' host) opens: 404 for anyone else."""
    if not is_coordinator(request.user):
        raise Http404


@for_roles("committees:committee_list")
def committee_list(request):
    context = {
        "committees": selectors.committee_list(request.user),
        "meetings": selectors.upcoming_meetings_for(request.user, limit=10),
    }
    return render(request, "committees/committee_list.html", context)


@for_roles("committees:committee_create")
def committee_create(request):
    form = forms.CommitteeForm(post_data(request))
    done = submit(request, form, services.committee_create, actor=request.user)
    if done:
        messages.success(request, _("Committee created."))
        return redirect("committees:committee_detail", pk=done.result.pk)
    return render(request, "committees/form.html", {"form": form, "title": _("New committee")})


def committee_detail(request, pk):
    committee = access.get_committee_for_user(request.user, pk, view_name="committee_detail")
    upcoming, past = selectors.meetings_of(committee)
    context = {
        "committee": committee,
        "members": selectors.members_of(committee),
        "upcoming": upcoming,
        "past": past,
        "today": timezone.localdate(),
        "is_host": is_coordinator(request.user),
    }
    return render(request, "committees/committee_detail.html", context)


def member_add(request, pk):
    _host_only(request)
    committee = access.get_committee_for_user(request.user, pk, view_name="member_add")
    form = forms.MemberForm(post_data(request), initial={"starts_on": timezone.localdate()})
    if submit(request, form, services.member_add, committee=committee, actor=request.user):
        messages.success(request, _("Member added."))
        return redirect("committees:committee_detail", pk=committee.pk)
    context = {"form": form, "committee": committee, "title": _("Add a member")}
    return render(request, "committees/form.html", context)


def member_end(request, pk, member_id):
    _host_only(request)
    committee = access.get_committee_for_user(request.user, pk, view_name="member_end")
    member = committee.members.filter(pk=member_id).first()
    if member is None:
        raise Http404
    form = forms.MemberEndForm(post_data(request), initial={"ends_on": timezone.localdate()})
    if submit(request, form, services.member_end, member=member, actor=request.user):
        messages.success(request, _("The seat ends on the date given."))
        return redirect("committees:committee_detail", pk=committee.pk)
    title = _("End the seat of %(name)s") % {"name": member.name}
    context = {"form": form, "committee": committee, "title": title}
    return render(request, "committees/form.html", context)


def meeting_create(request, pk):
    _host_only(request)
    committee = access.get_committee_for_user(request.user, pk, view_name="meeting_create")
    initial = {"place": committee.default_place, "video_link": committee.default_video_link}
    form = forms.MeetingForm(post_data(request), initial=initial)
    done = submit(request, form, services.meeting_schedule, committee=committee, actor=request.user)
    if done:
        n = len(done.result)
        messages.success(
            request,
            ngettext("%(n)s meeting scheduled.", "%(n)s meetings scheduled.", n) % {"n": n},
        )
        return redirect("committees:meeting_detail", public_id=done.result[0].public_id)
    context = {"form": form, "committee": committee, "title": _("Schedule meetings")}
    return render(request, "committees/form.html", context)


# --- The meeting screen: agenda, minutes, decisions ------------------------------------------


def _meeting(request, public_id, view_name):
    return access.get_meeting_for_user(request.user, public_id, view_name=view_name)


def _item(meeting, item_id):
    item = selectors.meeting_item(meeting, item_id)
    if item is None:
        raise Http404
    return item


def _refuse(request, item, view_name):
    """A change this person may not make to an item they can reach: as if the item did not exist
    (404, as for anyone else's file), the attempt in the read log."""
    read_log_record(
        user=request.user,
        action=ReadLogEntry.Action.DENIED,
        object_type="participant" if item.participant_id else "agenda_item",
        object_id=item.participant_id or item.pk,
        view_name=view_name,
    )
    raise Http404


def _log_shown(request, agenda, view_name, action=ReadLogEntry.Action.VIEW):
    read_log_record_listed(
        user=request.user,
        action=action,
        object_type="participant",
        object_ids=agenda.shown_participants,
        view_name=view_name,
        # Candidates' names and content show to the coordinator: their referrals are logged too.
        others=[("referral", pk) for pk in agenda.shown_referrals],
    )


def _meeting_page(request, meeting, *, active=None, status=200):
    """The meeting screen. `active`: the one bound form shown in place (a decision, minutes…)
    with what was typed and the service's refusal beside it."""
    agenda = selectors.agenda(meeting, request.user)
    _log_shown(request, agenda, "meeting_detail")
    people = selectors.committee_people(meeting.committee) if agenda.is_coordinator else None
    context = {
        "meeting": meeting,
        "agenda": agenda,
        "active": active or {},
        "action_form": forms.ActionForm(people=people) if people is not None else None,
        "item_form": forms.ItemAddForm(),
        "reopen_form": forms.ReopenForm(),
        "news_form": forms.NewsForm(),
        "now": timezone.now(),
        "item_actions": ITEM_ACTION_LABELS,
        "figures": None if meeting.committee.is_clinical else figures.program_figures(meeting),
    }
    return render(request, "committees/meeting_detail.html", context, status=status)


def meeting_detail(request, public_id):
    return _meeting_page(request, _meeting(request, public_id, "meeting_detail"))


def _back(meeting, item=None):
    anchor = f"#item-{item.pk}" if item is not None else ""
    return redirect(f"{reverse('committees:meeting_detail', args=[meeting.public_id])}{anchor}")


def _on_item(
    request, public_id, item_id, *, view_name, form, service, success, kind, may=None, **kwargs
):
    """A change to one item from the meeting screen; a refusal re-renders the screen with the
    form in place and its reason beside it. `may(user, item)`: who may make it (others: 404)."""
    meeting = _meeting(request, public_id, view_name)
    item = _item(meeting, item_id)
    if may is not None and not may(request.user, item):
        _refuse(request, item, view_name)
    done = submit(request, form, service, item=item, actor=request.user, **kwargs)
    if done:
        messages.success(request, success)
        return _back(meeting, item)
    conflict = isinstance(done.error, services.MinutesConflict)
    if conflict:  # the screen shows what was saved meanwhile; the next save builds on it
        item.refresh_from_db(fields=["minutes", "note", "version"])
        forms.rebase(form, item.version)
    active = {"item": item.pk, "kind": kind, "form": form, "conflict": conflict}
    return _meeting_page(request, meeting, active=active, status=200)


@require_POST
def item_minutes(request, public_id, item_id):
    return _on_item(
        request,
        public_id,
        item_id,
        view_name="item_minutes",
        form=forms.MinutesForm(request.POST),
        service=services.minutes_save,
        success=_("Minutes saved."),
        kind="minutes",
        may=services.may_write_about,
    )


@require_POST
def item_note(request, public_id, item_id):
    _host_only(request)
    return _on_item(
        request,
        public_id,
        item_id,
        view_name="item_note",
        form=forms.NoteForm(request.POST),
        service=services.item_annotate,
        success=_("Annotation saved."),
        kind="note",
    )


@require_POST
def item_news(request, public_id, item_id):
    return _on_item(
        request,
        public_id,
        item_id,
        view_name="item_news",
        form=forms.NewsForm(request.POST),
        service=services.news_add,
        success=_("News recorded."),
        kind="news",
    )


ITEM_ACTIONS = {
    "up": (services.item_move, {"up": True}),
    "down": (services.item_move, {"up": False}),
    "remove": (services.item_remove, {}),
    "handled": (services.item_set_handled, {"handled": True}),
    "unhandled": (services.item_set_handled, {"handled": False}),
}


ITEM_ACTION_LABELS = [
    ("up", gettext_lazy("Move up")),
    ("down", gettext_lazy("Move down")),
    ("handled", gettext_lazy("Mark handled")),
    ("unhandled", gettext_lazy("Not handled")),
    ("remove", gettext_lazy("Remove")),
]


@require_POST
def item_action(request, public_id, item_id, action):
    _host_only(request)
    if action not in ITEM_ACTIONS:
        raise Http404
    service, extra = ITEM_ACTIONS[action]
    return _on_item(
        request,
        public_id,
        item_id,
        view_name="item_action",
        form=forms.EmptyForm(request.POST),
        service=service,
        success=_("Agenda updated."),
        kind="item",
        **extra,
    )


@require_POST
def item_add(request, public_id):
    _host_only(request)
    meeting = _meeting(request, public_id, "item_add")
    form = forms.ItemAddForm(request.POST)
    done = submit(request, form, services.item_add, meeting=meeting, actor=request.user)
    if done:
        messages.success(request, _("Item added."))
        return _back(meeting, done.result)
    return _meeting_page(request, meeting, active={"kind": "add", "form": form})


def _decision_form(request, kind, item, meeting):
    data, files = post_data(request), post_files(request)
    day = timezone.localdate(meeting.starts_at)
    if kind in (DecisionKind.ASSIGN_WORKERS, DecisionKind.ASSIGN_CANDIDATE):
        return referral_forms.AssignmentForm(data, workers=selectors.workers_for_assignment())
    if kind == DecisionKind.RECRUITER_ASSESSMENT:
        return referral_forms.RiskAssessmentForm(data, initial={"decided_on": day})
    if kind == DecisionKind.ADMIT:
        today = timezone.localdate()
        initial = {
            "admitted_on": today,
            "consent_given_on": today,
            "declaration_signed_by": referral_selectors.current_pair(referral=item.referral).get(
                "primary"
            ),
        }
        workers = referral_selectors.youth_workers()
        return referral_forms.AdmissionForm(data, files, initial=initial, workers=workers)
    if kind == DecisionKind.REACTIVATE:
        return forms.ReactivateForm(data)
    return referral_forms.StatusForm(data)


def decide(request, public_id, item_id, kind):
    """A decision from the meeting screen, carried out at once by the lower service. A refusal
    shows its reason in place and changes nothing."""
    _host_only(request)
    meeting = _meeting(request, public_id, "decide")
    item = _item(meeting, item_id)
    if kind not in DECISIONS_FOR.get(item.kind, []):
        raise Http404
    form = _decision_form(request, kind, item, meeting)
    done = submit(
        request,
        form,
        services.decision_record,
        meeting=meeting,
        item=item,
        actor=request.user,
        kind=kind,
    )
    if done:
        messages.success(request, _("Decision recorded and carried out."))
        return _back(meeting, item)
    label = DecisionKind(kind).label
    active = {"item": item.pk, "kind": "decision", "decision": kind, "form": form}
    active["decision_label"] = label
    return _meeting_page(request, meeting, active=active)


def presentation(request, public_id, item_id):
    meeting = _meeting(request, public_id, "presentation")
    item = _item(meeting, item_id)
    if item.kind != ItemKind.PRESENTATION:
        raise Http404
    agenda_item = selectors.agenda_item_for(meeting, item, request.user)
    if not agenda_item.may_see:
        _refuse(request, item, "presentation")
    if request.method == "POST" and not may_change(request.user, item.participant):
        _refuse(request, item, "presentation")
    record = getattr(item, "presentation", None)
    initial = {"version": record.version} if record else {}
    form = forms.PresentationForm(post_data(request), instance=record, initial=initial)
    done = submit(request, form, services.presentation_save, item=item, actor=request.user)
    if done:
        messages.success(request, _("Case presentation saved."))
        return _back(meeting, item)
    saved = None
    if isinstance(done.error, services.MinutesConflict):
        # What was saved meanwhile, beside the form kept as typed (now on that version).
        record = type(record).objects.get(pk=record.pk)
        forms.rebase(form, record.version)
        saved = [
            (record._meta.get_field(name).verbose_name, getattr(record, name))
            for name in PRESENTATION_FIELDS
            if getattr(record, name)
        ]
    read_log_record_listed(
        user=request.user,
        object_type="participant",
        object_ids=[item.participant_id],
        view_name="presentation",
    )
    context = {"meeting": meeting, "item": agenda_item, "form": form, "saved": saved}
    return render(request, "committees/presentation.html", context)


# --- Meeting life: attendance, refresh, invitation, close and reopen ---------------------------


def attendance(request, public_id):
    _host_only(request)
    meeting = _meeting(request, public_id, "attendance")
    members = selectors.seated_members(meeting)
    initial = selectors.attendance_initial(meeting)
    form = forms.AttendanceForm(post_data(request), members=members, initial=initial)
    if submit(request, form, services.attendance_record, meeting=meeting, actor=request.user):
        messages.success(request, _("Attendance recorded."))
        return redirect("committees:meeting_detail", public_id=meeting.public_id)
    context = {"meeting": meeting, "form": form, "title": _("Attendance")}
    return render(request, "committees/form.html", context)


def _meeting_step(request, public_id, *, view_name, service, success, form=None):
    _host_only(request)
    meeting = _meeting(request, public_id, view_name)
    form = form if form is not None else forms.EmptyForm(request.POST)
    done = submit(request, form, service, meeting=meeting, actor=request.user)
    if done:
        messages.success(request, success(done.result) if callable(success) else success)
        return redirect("committees:meeting_detail", public_id=meeting.public_id)
    return _meeting_page(request, meeting, active={"kind": view_name, "form": form})


@require_POST
def refresh(request, public_id):
    def told(added):
        return ngettext("%(n)s item added.", "%(n)s items added.", added) % {"n": added}

    return _meeting_step(
        request,
        public_id,
        view_name="refresh",
        service=services.agenda_refresh_now,
        success=told,
    )


@require_POST
def invite(request, public_id):
    def told(n):
        return ngettext(
            "The invitation goes to %(n)s member.", "The invitation goes to %(n)s members.", n
        ) % {"n": n}

    return _meeting_step(
        request, public_id, view_name="invite", service=services.invitations_send, success=told
    )


@require_POST
def close(request, public_id):
    return _meeting_step(
        request,
        public_id,
        view_name="close",
        service=services.meeting_close,
        success=_("Meeting closed: the minutes are final."),
    )


@require_POST
def reopen(request, public_id):
    return _meeting_step(
        request,
        public_id,
        view_name="reopen",
        service=services.meeting_reopen,
        success=_("Meeting reopened (recorded)."),
        form=forms.ReopenForm(request.POST),
    )


# --- Action items ----------------------------------------------------------------------------


@require_POST
def action_add(request, public_id):
    _host_only(request)
    meeting = _meeting(request, public_id, "action_add")
    form = forms.ActionForm(request.POST, people=selectors.committee_people(meeting.committee))
    if submit(request, form, services.action_create, meeting=meeting, actor=request.user):
        messages.success(request, _("Action item recorded."))
        return redirect("committees:meeting_detail", public_id=meeting.public_id)
    return _meeting_page(request, meeting, active={"kind": "action", "form": form})


@require_POST
def action_status(request, pk):
    action = selectors.action_of(request.user, pk)
    # Its owner or the coordinator marks it; to anyone else it is as good as missing.
    if action is None or (action.owner_id != request.user.pk and not is_coordinator(request.user)):
        raise Http404
    form = forms.ActionStatusForm(request.POST)
    if submit(request, form, services.action_set_status, action=action, actor=request.user):
        messages.success(request, _("Action item updated."))
    else:
        messages.error(request, _("The action item could not be updated."))
    if request.POST.get("next") == "home":
        return redirect("home")
    return redirect("committees:meeting_detail", public_id=action.meeting.public_id)


# --- Documents: print, PDF, calendar -------------------------------------------------------------


def _language(request) -> str:
    lang = request.GET.get("lang", "")
    return lang if lang in {"fr-ca", "en"} else translation.get_language()


def _document(request, public_id, doc, view_name):
    if doc not in documents.DOCUMENTS:
        raise Http404
    return _meeting(request, public_id, view_name)


def print_document(request, public_id, doc):
    """A page for the printer (print stylesheet): identifiers only, never a name."""
    meeting = _document(request, public_id, doc, "print_document")
    with translation.override(_language(request)):
        html, agenda = documents.render_document(meeting, request.user, doc)
    _log_shown(request, agenda, "print_document")
    return HttpResponse(html)


def pdf_document(request, public_id, doc):
    meeting = _document(request, public_id, doc, "pdf_document")
    with translation.override(_language(request)):
        pdf, agenda = documents.render_document(meeting, request.user, doc, pdf=True)
    _log_shown(request, agenda, "pdf_document", ReadLogEntry.Action.DOWNLOAD)
    response = HttpResponse(pdf, content_type="application/pdf")
    filename = documents.document_filename(meeting, doc, "pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def calendar(request, public_id):
    meeting = _meeting(request, public_id, "calendar")
    response = HttpResponse(documents.meeting_ics(meeting), content_type="text/calendar")
    response["Content-Disposition"] = f'attachment; filename="{documents.ics_filename(meeting)}"'
    return response
