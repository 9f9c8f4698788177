"""Referral and participant pages. Thin: a form, one service (through `submit`) or selector, a
template. Referral pages are the coordinator's; participant pages go through referrals.access."""

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from referrals import access, selectors, services
from referrals.forms import (
    AdmissionForm,
    AssignmentForm,
    DuplicateConfirmForm,
    IdentityForm,
    ImportedIdentityForm,
    InitialMeetingForm,
    ParticipantFilterForm,
    ParticipantSearchForm,
    PartnerReferralForm,
    ReferralForm,
    ResearchConsentForm,
    RiskAssessmentForm,
    ScreeningForm,
    SharingForm,
    StatusForm,
    WithdrawForm,
    YouthProtectionForm,
)
from referrals.models import OPEN_STATUSES, ConsentKind, ReferralStatus
from referrals.rules import age_on
from spheres import services as core_services
from spheres.forms import post_data, post_files, submit
from spheres.models import ReadLogEntry
from spheres.navigation import for_roles

PAGE_SIZE = 50
SEARCH_LIMIT = 100

# --- Intake ------------------------------------------------------------------------------------


@for_roles("referrals:referral_queue")
def referral_queue(request):
    """Open referrals by status, and the closed ones (a tab) so none is lost from sight."""
    status = request.GET.get("status")
    known = status in OPEN_STATUSES or status == selectors.CLOSED
    counts = selectors.referral_counts()
    page = Paginator(selectors.referral_queue(status), PAGE_SIZE).get_page(request.GET.get("page"))
    referrals = list(page.object_list)
    core_services.read_log_record_listed(
        user=request.user,
        object_type="referral",
        object_ids=[r.pk for r in referrals],
        view_name="referral_queue",
    )
    return render(
        request,
        "referrals/queue.html",
        {
            "referrals": referrals,
            "page": page,
            "statuses": [(s, ReferralStatus(s).label, counts[s]) for s in OPEN_STATUSES],
            "current": status if known else "",
        },
    )


@for_roles("referrals:referral_create")
def referral_create(request):
    """The coordinator's intake. Possible duplicates are shown before saving."""
    form, confirm = ReferralForm(post_data(request)), DuplicateConfirmForm(post_data(request))
    duplicates = []
    if request.method == "POST" and form.is_valid() and confirm.is_valid():
        duplicates = list(selectors.possible_duplicates(**form.identity()))
        if not duplicates or confirm.cleaned_data["confirm_new_person"]:
            done = submit(request, form, services.referral_create, submitted_by=request.user)
            if done:
                messages.success(request, _("Referral recorded."))
                return redirect("referrals:referral_detail", public_id=done.result.public_id)
    context = {"form": form, "confirm": confirm, "duplicates": duplicates, "coordinator": True}
    return render(request, "referrals/referral_form.html", context)


@for_roles("referrals:referral_submit")
def referral_submit(request):
    """Any partner staff member refers a candidate; they then see only its status."""
    form = PartnerReferralForm(post_data(request))
    if submit(request, form, services.referral_submit, submitted_by=request.user):
        messages.success(request, _("Thank you: the coordinator received the referral."))
        return redirect("referrals:my_referrals")
    return render(request, "referrals/referral_form.html", {"form": form, "coordinator": False})


@for_roles("referrals:my_referrals")
def my_referrals(request):
    referrals = selectors.referrals_submitted_by(request.user)
    return render(request, "referrals/my_referrals.html", {"referrals": referrals})


def referral_detail(request, public_id):
    """The coordinator's referral file; the workers assigned to the candidate see what the
    initial meeting needs (identity, contacts, reasons, referrer, meetings), not the screening."""
    referral = access.get_referral_for_user(
        request.user,
        public_id,
        view_name="referral_detail",
        queryset=selectors.referral_file_queryset(),
        assigned=True,
    )
    today = timezone.localdate()
    context = {
        "referral": referral,
        "age": age_on(referral.date_of_birth, today),
        "participant": getattr(referral, "participant", None),
        "is_coordinator": access.is_coordinator(request.user),
        "assignments": referral.assignments.all(),
    }
    if context["is_coordinator"]:
        context["blockers"] = selectors.admission_blockers(referral, today)
        context["duplicates"] = selectors.possible_duplicates(
            **ReferralForm.identity_of(referral), exclude_pk=referral.pk
        )
        context["corrections"] = selectors.referral_history(referral)
    return render(request, "referrals/referral_detail.html", context)


def referral_edit(request, public_id):
    """Correct a referral before admission; the audit log keeps the previous versions."""
    referral = access.get_referral_for_user(request.user, public_id, view_name="referral_edit")
    form = ReferralForm(post_data(request), instance=selectors.fresh_referral(referral))
    if submit(request, form, services.referral_correct, referral=referral, actor=request.user):
        messages.success(request, _("Referral corrected."))
        return redirect("referrals:referral_detail", public_id=referral.public_id)
    context = {"referral": referral, "form": form, "title": _("Correct the referral")}
    return render(request, "referrals/step_form.html", context)


def _referral_step(request, public_id, *, view_name, form, service, success, title, assigned=False):
    """A step on a referral: its form, the service that records it, back to the referral."""
    referral = access.get_referral_for_user(
        request.user, public_id, view_name=view_name, assigned=assigned
    )
    form = form(referral)
    if submit(request, form, service, referral=referral, actor=request.user):
        messages.success(request, success)
        return redirect("referrals:referral_detail", public_id=referral.public_id)
    context = {"referral": referral, "form": form, "title": title}
    return render(request, "referrals/step_form.html", context)


def referral_screening(request, public_id):
    def make_form(referral):
        instance = getattr(referral, "screening", None)
        initial = {} if instance else {"screened_on": timezone.localdate()}
        return ScreeningForm(post_data(request), instance=instance, initial=initial)

    return _referral_step(
        request,
        public_id,
        view_name="referral_screening",
        form=make_form,
        service=services.screening_record,
        success=_("Screening saved."),
        title=_("Screening"),
    )


def referral_risk(request, public_id):
    return _referral_step(
        request,
        public_id,
        view_name="referral_risk",
        form=lambda referral: RiskAssessmentForm(post_data(request)),
        service=services.recruiter_risk_assessment_record,
        success=_("Risk assessment recorded."),
        title=_("Clinical Committee risk assessment (recruiter)"),
    )


def referral_meeting(request, public_id):
    """The coordinator or a worker assigned to the candidate records the initial meeting."""
    workers = selectors.youth_workers_with_caseload()

    def make_form(referral):
        initial = {
            "met_on": timezone.localdate(),
            "attendees": selectors.assigned_workers(referral),
        }
        return InitialMeetingForm(post_data(request), workers=workers, initial=initial)

    return _referral_step(
        request,
        public_id,
        view_name="referral_meeting",
        form=make_form,
        service=services.initial_meeting_record,
        success=_("Initial meeting recorded."),
        title=_("Initial meeting"),
        assigned=True,
    )


def referral_status(request, public_id):
    return _referral_step(
        request,
        public_id,
        view_name="referral_status",
        form=lambda referral: StatusForm(
            post_data(request), initial={"to_status": referral.status}
        ),
        service=services.referral_set_status,
        success=_("Decision recorded."),
        title=_("Decision"),
    )


def referral_admit(request, public_id):
    referral = access.get_referral_for_user(request.user, public_id, view_name="referral_admit")
    today = timezone.localdate()
    initial = {
        "admitted_on": today,
        "consent_given_on": today,
        # Usually the primary worker got the form signed at the initial meeting.
        "declaration_signed_by": selectors.current_pair(referral=referral).get("primary"),
    }
    form = AdmissionForm(
        post_data(request),
        post_files(request),
        initial=initial,
        workers=selectors.youth_workers(),
    )
    done = submit(request, form, services.participant_admit, referral=referral, actor=request.user)
    if done:
        messages.success(
            request, _("Admitted with youth ID %(id)s.") % {"id": done.result.youth_id}
        )
        # The candidate's workers carried over; without any, assigning is the next step.
        next_page = (
            "participant_detail" if selectors.current_pair(done.result) else "participant_assign"
        )
        return redirect(f"referrals:{next_page}", public_id=done.result.public_id)
    blockers = selectors.admission_blockers(referral, today)
    context = {"referral": referral, "form": form, "blockers": blockers}
    return render(request, "referrals/admit.html", context)


# --- Participants ------------------------------------------------------------------------------


@for_roles("referrals:participant_list")
def participant_list(request):
    # Names are searched by POST so they never appear in a URL, a log or the browser history.
    form = ParticipantSearchForm(post_data(request))
    search = form.cleaned_data["q"] if request.method == "POST" and form.is_valid() else ""
    filters = ParticipantFilterForm.from_query(request.GET)
    participants = selectors.participant_list(request.user, search=search, **filters)
    page, truncated = None, False
    if search:
        # Search results are not paginated (page links would drop the POSTed term).
        found = list(participants[: SEARCH_LIMIT + 1])
        rows, truncated = found[:SEARCH_LIMIT], len(found) > SEARCH_LIMIT
    else:
        page = Paginator(participants, PAGE_SIZE).get_page(request.GET.get("page"))
        rows = list(page.object_list)
    core_services.read_log_record_listed(
        user=request.user,
        object_type="participant",
        object_ids=[p.pk for p in rows],
        view_name="participant_list",
        search=bool(search),
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {"participants": rows, "page": page, "truncated": truncated}
    context["filter_query"] = query.urlencode()
    return render(
        request, "referrals/participant_list.html", {**context, "form": form, "search": search}
    )


def participant_detail(request, public_id):
    participant = access.get_participant_for_user(
        request.user,
        public_id,
        view_name="participant_detail",
        queryset=selectors.participant_file_queryset(),
    )
    age = age_on(participant.date_of_birth, timezone.localdate())
    consents = selectors.consents_by_kind(participant)
    return render(
        request,
        "referrals/participant_detail.html",
        {
            "participant": participant,
            "referral": participant.referral,
            "may_change": participant.user_may_change,
            "is_coordinator": access.is_coordinator(request.user),
            "age": age,
            "is_minor": age < 18,
            **consents,
            "has_program_consent": any(c.is_active for c in consents["program_consents"]),
            # An agreement in force is not offered again (the service would refuse it).
            "has_research_use": any(c.is_active for c in consents["research_use_consents"]),
            "has_research": any(c.is_active for c in consents["research_consents"]),
            "assignments": participant.assignments.all(),
            "reports": participant.youth_protection_reports.all(),
            # An imported participant (no referral): its own items, one query.
            "handover_items": (
                participant.referral.handover_items.all()
                if participant.referral_id
                else participant.handover_items.select_related("handover__departing", "successor")
            ),
            "today": timezone.localdate(),
            **selectors.plans_on_file(participant),
        },
    )


def participant_identity(request, public_id):
    participant = access.get_participant_for_user(
        request.user, public_id, write=True, view_name="participant_identity"
    )
    referral = participant.referral
    if referral is None:  # imported: the participant holds its date of birth and gender
        form = ImportedIdentityForm(post_data(request), instance=participant)
        done = submit(
            request,
            form,
            services.participant_update_identity,
            participant=participant,
            actor=request.user,
        )
    else:
        form = IdentityForm(post_data(request), instance=selectors.fresh_referral(referral))
        done = submit(
            request, form, services.referral_update_identity, referral=referral, actor=request.user
        )
    if done:
        messages.success(request, _("Identity and contacts updated."))
        return redirect("referrals:participant_detail", public_id=participant.public_id)
    context = {"participant": participant, "form": form, "title": _("Identity and contacts")}
    return render(request, "referrals/participant_step.html", context)


def _assign(request, case: dict, *, back, template_context: dict):
    """The assignment form of a referral or a participant (`case` names which): current pair or
    the suggested one, and every youth worker's caseload."""
    workers = selectors.youth_workers_with_caseload()
    suggested = selectors.suggest_pair(list(workers))
    current = selectors.current_pair(**case) or {
        "primary": getattr(suggested[0], "pk", None),
        "second": getattr(suggested[1], "pk", None),
    }
    form = AssignmentForm(post_data(request), workers=workers, initial=current)
    if submit(request, form, services.assignment_set, actor=request.user, **case):
        messages.success(request, _("Assignment saved."))
        return back
    context = {**template_context, "form": form, "suggested": suggested, "workers": form.workers}
    return render(request, "referrals/assign.html", context)


def referral_assign(request, public_id):
    """From screening on, before the initial meeting: the referrer is told who follows."""
    referral = access.get_referral_for_user(request.user, public_id, view_name="referral_assign")
    back = redirect("referrals:referral_detail", public_id=referral.public_id)
    return _assign(
        request, {"referral": referral}, back=back, template_context={"referral": referral}
    )


def participant_assign(request, public_id):
    if not access.is_coordinator(request.user):
        access.deny(request.user, public_id, view_name="participant_assign")
    participant = access.get_participant_for_user(
        request.user, public_id, write=True, view_name="participant_assign"
    )
    back = redirect("referrals:participant_detail", public_id=participant.public_id)
    context = {"participant": participant}
    return _assign(request, {"participant": participant}, back=back, template_context=context)


def _participant_step(request, public_id, *, view_name, form, service, success, title, **extra):
    """A change to a participant file: its form, the service that records it, back to the file."""
    participant = access.get_participant_for_user(
        request.user, public_id, write=True, view_name=view_name
    )
    form = form(participant)
    if submit(request, form, service, participant=participant, actor=request.user, **extra):
        messages.success(request, success)
        return redirect("referrals:participant_detail", public_id=participant.public_id)
    context = {
        "participant": participant,
        "form": form,
        "title": title,
        "files": form.is_multipart(),
    }
    return render(request, "referrals/participant_step.html", context)


def consent_add(request, public_id, kind):
    """The research-study consent, or the research-use clause agreed to later. The program
    consent is given again through the follow-up (followups:participation_resume), which also
    reactivates it."""
    if kind not in (ConsentKind.RESEARCH, ConsentKind.RESEARCH_USE):
        raise Http404
    initial = {"given_on": timezone.localdate()}
    return _participant_step(
        request,
        public_id,
        view_name="consent_add",
        form=lambda p: ResearchConsentForm(
            post_data(request), post_files(request), initial=initial
        ),
        service=services.consent_record,
        success=_("Consent recorded."),
        title=ConsentKind(kind).label,
        kind=kind,
    )


def consent_sharing(request, public_id):
    return _participant_step(
        request,
        public_id,
        view_name="consent_sharing",
        form=lambda p: SharingForm(post_data(request), shared=selectors.shared_organisations(p)),
        service=services.sharing_set,
        success=_("Information sharing updated."),
        title=_("Information sharing"),
    )


def consent_withdraw(request, public_id, consent_id):
    """Withdrawing the research-use clause or the research-study consent. The program consent
    is withdrawn through the follow-up (followups:participation_end), which ends it too."""
    participant = access.get_participant_for_user(
        request.user, public_id, write=True, view_name="consent_withdraw"
    )
    consent = selectors.active_consent(participant, consent_id)
    if consent is None or consent.kind not in (ConsentKind.RESEARCH, ConsentKind.RESEARCH_USE):
        raise Http404
    form = WithdrawForm(post_data(request), initial={"withdrawn_on": timezone.localdate()})
    if submit(request, form, services.consent_withdraw, consent=consent, actor=request.user):
        messages.success(request, _("Withdrawal recorded."))
        return redirect("referrals:participant_detail", public_id=participant.public_id)
    title = _("Withdraw: %(kind)s") % {"kind": consent.get_kind_display()}
    context = {"participant": participant, "form": form, "consent": consent, "title": title}
    return render(request, "referrals/participant_step.html", context)


@for_roles("referrals:participant_list")
def imported_consent_confirm(request, public_id):
    """The coordinator confirms the consent of a participant imported from a workbook (POST)."""
    if request.method != "POST":
        raise Http404
    participant = access.get_participant_for_user(
        request.user, public_id, write=True, view_name="imported_consent_confirm"
    )
    done = submit(
        request, forms.Form(request.POST), services.imported_consent_confirm,
        participant=participant, actor=request.user,
    )  # fmt: skip
    if done:
        messages.success(request, _("Consent confirmed for %(id)s.") % {"id": participant.youth_id})
    else:
        messages.error(request, " ".join(done.error.messages) if done.error else _("Not saved."))
    if request.POST.get("next") == "home":
        return redirect("home")
    return redirect("referrals:participant_detail", public_id=participant.public_id)


@for_roles("referrals:participant_list")
def group_activities(request, public_id):
    """The coordinator marks a participant (no activity with other participants), or lifts the
    mark, on the Clinical Committee's assessment (POST)."""
    if request.method != "POST":
        raise Http404
    participant = access.get_participant_for_user(
        request.user, public_id, write=True, view_name="group_activities"
    )
    marked = request.POST.get("marked") == "1"
    done = submit(
        request, forms.Form(request.POST), services.participant_group_activities_set,
        participant=participant, actor=request.user, marked=marked,
    )  # fmt: skip
    if done:
        messages.success(
            request,
            (_("%(id)s is marked: no activity with other participants.") if marked
             else _("The mark of %(id)s is lifted.")) % {"id": participant.youth_id},
        )  # fmt: skip
    else:
        messages.error(request, " ".join(done.error.messages) if done.error else _("Not saved."))
    return redirect("referrals:participant_detail", public_id=participant.public_id)


def youth_protection(request, public_id):
    return _participant_step(
        request,
        public_id,
        view_name="youth_protection",
        form=lambda p: YouthProtectionForm(
            post_data(request), initial={"considered_on": timezone.localdate()}
        ),
        service=services.youth_protection_record,
        success=_("Duty to report recorded."),
        title=_("Duty to report to the DYP"),
    )


SCAN_EXTENSIONS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}


def consent_scan(request, public_id, consent_id):
    """Signed forms: the coordinator and assigned workers only, as an attachment, logged."""
    participant = access.get_participant_for_user(
        request.user,
        public_id,
        write=True,
        view_name="consent_scan",
        log_action=ReadLogEntry.Action.DOWNLOAD,
    )
    consent = selectors.consent_with_scan(participant, consent_id)
    if consent is None:
        raise Http404
    extension = SCAN_EXTENSIONS.get(consent.scan_content_type, "bin")
    response = FileResponse(
        consent.scan.open("rb"),
        as_attachment=True,
        # Nothing about the person in a name that stays in the downloads folder and history.
        filename=f"consent-{consent.pk}.{extension}",
        content_type=consent.scan_content_type or "application/octet-stream",
    )
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
