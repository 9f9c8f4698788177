"""Referral and participant pages. Thin: a form, one service or selector, a template.
Referral pages are the coordinator's; participant pages go through spheres.access."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from referrals import selectors, services
from referrals.forms import (
    AdmissionForm,
    AssignmentForm,
    ConsentForm,
    DuplicateConfirmForm,
    IdentityForm,
    InitialMeetingForm,
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
from referrals.models import OPEN_STATUSES, ConsentKind, Referral, ReferralStatus
from spheres import access
from spheres import services as core_services
from spheres.forms import post_data, post_files, save_or_show_errors
from spheres.models import ReadLogEntry, Role
from spheres.selectors import roles_of


def _coordinator_referral(request, public_id, view_name) -> Referral:
    """Referral files are the coordinator's; anyone else gets 404 and a read-log row that says
    which referral was probed (as participant refusals do)."""
    referral = Referral.objects.filter(public_id=public_id).first()
    allowed = referral is not None and access.is_coordinator(request.user)
    core_services.read_log_record(
        user=request.user,
        action=ReadLogEntry.Action.VIEW if allowed else ReadLogEntry.Action.DENIED,
        object_type="referral",
        object_id=referral.pk if referral else None,
        view_name=view_name,
    )
    if not allowed:
        raise Http404
    return referral


def _require_coordinator(request):
    if not access.is_coordinator(request.user):
        raise Http404


# --- Intake ------------------------------------------------------------------------------------


def referral_queue(request):
    _require_coordinator(request)
    status = request.GET.get("status")
    counts = selectors.referral_counts()
    referrals = list(selectors.referral_queue(status))
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
            "statuses": [(s, ReferralStatus(s).label, counts[s]) for s in OPEN_STATUSES],
            "current": status if status in OPEN_STATUSES else "",
        },
    )


def referral_create(request):
    """The coordinator's intake. Possible duplicates are shown before saving."""
    _require_coordinator(request)
    form = ReferralForm(post_data(request))
    confirm = DuplicateConfirmForm(post_data(request))
    duplicates = []
    if request.method == "POST" and form.is_valid() and confirm.is_valid():
        data = form.cleaned_data
        duplicates = list(
            selectors.possible_duplicates(
                first_name=data["first_name"],
                last_name=data["last_name"],
                date_of_birth=data["date_of_birth"],
                phone=data["phone"],
            )
        )
        if not duplicates or confirm.cleaned_data["confirm_new_person"]:
            created = []
            if save_or_show_errors(
                form,
                lambda: created.append(services.referral_create(submitted_by=request.user, **data)),
            ):
                messages.success(request, _("Referral recorded."))
                return redirect("referral_detail", public_id=created[0].public_id)
    return render(
        request,
        "referrals/referral_form.html",
        {"form": form, "confirm": confirm, "duplicates": duplicates, "coordinator": True},
    )


def referral_submit(request):
    """Any partner staff member refers a candidate; they then see only its status."""
    if not roles_of(request.user):
        raise Http404
    form = PartnerReferralForm(post_data(request))
    if request.method == "POST" and form.is_valid():
        user = request.user
        membership = user.memberships.filter(is_active=True).select_related("organisation").first()
        if save_or_show_errors(
            form,
            lambda: services.referral_create(
                submitted_by=user,
                referrer_name=user.get_full_name(),
                referrer_organisation=membership.organisation if membership else None,
                referrer_contact=user.email,
                referrer_email=user.email,
                **form.cleaned_data,
            ),
        ):
            messages.success(request, _("Thank you: the coordinator received the referral."))
            return redirect("my_referrals")
    return render(request, "referrals/referral_form.html", {"form": form, "coordinator": False})


def my_referrals(request):
    if not roles_of(request.user):
        raise Http404
    return render(
        request,
        "referrals/my_referrals.html",
        {"referrals": selectors.referrals_submitted_by(request.user)},
    )


def referral_detail(request, public_id):
    referral = _coordinator_referral(request, public_id, "referral_detail")
    referral = (
        Referral.objects.select_related("referrer_organisation", "submitted_by", "screening")
        .prefetch_related(
            "status_changes__changed_by",
            "risk_assessments__recorded_by",
            "initial_meetings__attendees",
        )
        .get(pk=referral.pk)
    )
    blockers = services.admission_blockers(referral, timezone.localdate())
    duplicates = selectors.possible_duplicates(
        first_name=referral.first_name,
        last_name=referral.last_name,
        date_of_birth=referral.date_of_birth,
        phone=referral.phone,
        exclude_pk=referral.pk,
    )
    return render(
        request,
        "referrals/referral_detail.html",
        {
            "referral": referral,
            "blockers": blockers,
            "age": services.age_on(referral.date_of_birth, timezone.localdate()),
            "duplicates": duplicates,
            "participant": getattr(referral, "participant", None),
        },
    )


def _referral_step(request, public_id, *, view_name, form, call, success, title):
    referral = _coordinator_referral(request, public_id, view_name)
    form = form(referral)
    if (
        request.method == "POST"
        and form.is_valid()
        and save_or_show_errors(form, lambda: call(referral, form.cleaned_data))
    ):
        messages.success(request, success)
        return redirect("referral_detail", public_id=referral.public_id)
    return render(
        request, "referrals/step_form.html", {"referral": referral, "form": form, "title": title}
    )


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
        call=lambda referral, data: services.screening_record(
            referral=referral, actor=request.user, **data
        ),
        success=_("Screening saved."),
        title=_("Screening"),
    )


def referral_risk(request, public_id):
    return _referral_step(
        request,
        public_id,
        view_name="referral_risk",
        form=lambda referral: RiskAssessmentForm(post_data(request)),
        call=lambda referral, data: services.risk_assessment_record(
            referral=referral, actor=request.user, **data
        ),
        success=_("Risk assessment recorded."),
        title=_("Clinical Committee risk assessment (recruiter)"),
    )


def referral_meeting(request, public_id):
    workers = selectors.youth_workers_with_caseload()
    return _referral_step(
        request,
        public_id,
        view_name="referral_meeting",
        form=lambda referral: InitialMeetingForm(post_data(request), workers=workers),
        call=lambda referral, data: services.initial_meeting_record(
            referral=referral, actor=request.user, **data
        ),
        success=_("Initial meeting recorded."),
        title=_("Initial meeting"),
    )


def referral_status(request, public_id):
    return _referral_step(
        request,
        public_id,
        view_name="referral_status",
        form=lambda referral: StatusForm(
            post_data(request), initial={"to_status": referral.status}
        ),
        call=lambda referral, data: services.referral_set_status(
            referral=referral, actor=request.user, **data
        ),
        success=_("Decision recorded."),
        title=_("Decision"),
    )


def referral_admit(request, public_id):
    referral = _coordinator_referral(request, public_id, "referral_admit")
    today = timezone.localdate()
    form = AdmissionForm(
        post_data(request),
        post_files(request),
        initial={"admitted_on": today, "consent_given_on": today},
    )
    if request.method == "POST" and form.is_valid():
        created = []
        if save_or_show_errors(
            form,
            lambda: created.append(
                services.participant_admit(
                    referral=referral, actor=request.user, **form.cleaned_data
                )
            ),
        ):
            messages.success(
                request, _("Admitted with youth ID %(id)s.") % {"id": created[0].youth_id}
            )
            return redirect("participant_assign", public_id=created[0].public_id)
    blockers = services.admission_blockers(referral, today)
    return render(
        request, "referrals/admit.html", {"referral": referral, "form": form, "blockers": blockers}
    )


# --- Participants ------------------------------------------------------------------------------


def participant_list(request):
    roles = roles_of(request.user)
    if not roles & (access.CASE_ROLES | {Role.COORDINATOR}):
        raise Http404
    # Names are searched by POST so they never appear in a URL, a log or the browser history.
    form = ParticipantSearchForm(post_data(request))
    search = form.cleaned_data["q"] if request.method == "POST" and form.is_valid() else ""

    def _id(name):  # filters carry ids, never names; anything else is ignored
        value = request.GET.get(name, "")
        return int(value) if value.isdigit() else None

    participants = selectors.participant_list(
        request.user,
        search=search,
        worker_id=_id("worker"),
        organisation_id=_id("organisation"),
        marker=request.GET.get("marker") == "1",
    )
    if search:
        # Search results are not paginated (page links would drop the POSTed term).
        found = list(participants[: SEARCH_LIMIT + 1])
        page, truncated = None, len(found) > SEARCH_LIMIT
        rows = found[:SEARCH_LIMIT]
    else:
        page = Paginator(participants, PAGE_SIZE).get_page(request.GET.get("page"))
        rows, truncated = list(page.object_list), False
    core_services.read_log_record_listed(
        user=request.user,
        object_type="participant",
        object_ids=[p.pk for p in rows],
        view_name="participant_list",
        search=bool(search),
    )
    return render(
        request,
        "referrals/participant_list.html",
        {
            "participants": rows,
            "page": page,
            "truncated": truncated,
            "form": form,
            "search": search,
        },
    )


PAGE_SIZE = 50
SEARCH_LIMIT = 100


def participant_detail(request, public_id):
    participant = access.get_participant_for_user(
        request.user,
        public_id,
        view_name="participant_detail",
        queryset=access.with_write_flag(selectors.participant_file_queryset(), request.user),
    )
    may_change = access.may_change(request.user, participant)
    consents = list(participant.consents.all())
    referral = participant.referral
    return render(
        request,
        "referrals/participant_detail.html",
        {
            "participant": participant,
            "referral": referral,
            "may_change": may_change,
            "is_coordinator": access.is_coordinator(request.user),
            "age": services.age_on(referral.date_of_birth, timezone.localdate()),
            "is_minor": services.age_on(referral.date_of_birth, timezone.localdate()) < 18,
            "program_consents": [c for c in consents if c.kind == ConsentKind.PROGRAM],
            "sharing_consents": [c for c in consents if c.kind == ConsentKind.SHARING],
            "research_consents": [c for c in consents if c.kind == ConsentKind.RESEARCH],
            "assignments": participant.assignments.all(),
            "reports": participant.youth_protection_reports.all(),
        },
    )


def participant_identity(request, public_id):
    participant = access.get_participant_for_user(
        request.user, public_id, write=True, view_name="participant_identity"
    )
    referral = participant.referral
    form = IdentityForm(post_data(request), instance=Referral.objects.get(pk=referral.pk))
    if (
        request.method == "POST"
        and form.is_valid()
        and save_or_show_errors(
            form,
            lambda: services.referral_update_identity(
                referral=referral, actor=request.user, **form.cleaned_data
            ),
        )
    ):
        messages.success(request, _("Identity and contacts updated."))
        return redirect("participant_detail", public_id=participant.public_id)
    return render(
        request,
        "referrals/participant_step.html",
        {"participant": participant, "form": form, "title": _("Identity and contacts")},
    )


def participant_assign(request, public_id):
    if not access.is_coordinator(request.user):
        access.deny(request.user, public_id, view_name="participant_assign")
    participant = access.get_participant_for_user(
        request.user, public_id, write=True, view_name="participant_assign"
    )
    workers = selectors.youth_workers_with_caseload()
    suggested = selectors.suggest_pair(list(workers))
    current = {a.role: a.worker_id for a in participant.assignments.filter(ended_at__isnull=True)}
    if not current:
        current = {
            "primary": getattr(suggested[0], "pk", None),
            "second": getattr(suggested[1], "pk", None),
        }
    form = AssignmentForm(
        post_data(request),
        workers=workers,
        initial={"primary": current.get("primary"), "second": current.get("second")},
    )
    if (
        request.method == "POST"
        and form.is_valid()
        and save_or_show_errors(
            form,
            lambda: services.assignment_set(
                participant=participant, actor=request.user, **form.cleaned_data
            ),
        )
    ):
        messages.success(request, _("Assignment saved."))
        return redirect("participant_detail", public_id=participant.public_id)
    return render(
        request,
        "referrals/assign.html",
        {"participant": participant, "form": form, "workers": form.workers, "suggested": suggested},
    )


def _participant_step(request, public_id, *, view_name, form, call, success, title, files=False):
    participant = access.get_participant_for_user(
        request.user, public_id, write=True, view_name=view_name
    )
    form = form(participant)
    if (
        request.method == "POST"
        and form.is_valid()
        and save_or_show_errors(form, lambda: call(participant, form.cleaned_data))
    ):
        messages.success(request, success)
        return redirect("participant_detail", public_id=participant.public_id)
    return render(
        request,
        "referrals/participant_step.html",
        {"participant": participant, "form": form, "title": title, "files": files},
    )


def consent_add(request, public_id, kind):
    if kind not in (ConsentKind.PROGRAM, ConsentKind.RESEARCH):
        raise Http404
    form_class = ConsentForm if kind == ConsentKind.PROGRAM else ResearchConsentForm
    return _participant_step(
        request,
        public_id,
        view_name="consent_add",
        form=lambda p: form_class(
            post_data(request), post_files(request), initial={"given_on": timezone.localdate()}
        ),
        call=lambda p, data: services.consent_record(
            participant=p, actor=request.user, kind=kind, **data
        ),
        success=_("Consent recorded."),
        title=ConsentKind(kind).label,
        files=True,
    )


def consent_sharing(request, public_id):
    def make_form(participant):
        active = [
            c.organisation
            for c in participant.consents.filter(
                kind=ConsentKind.SHARING, withdrawn_on__isnull=True
            ).select_related("organisation")
        ]
        return SharingForm(
            post_data(request),
            initial={
                "organisations": [o for o in active if not o.is_police],
                "police": [o for o in active if o.is_police],
                "given_on": timezone.localdate(),
            },
        )

    return _participant_step(
        request,
        public_id,
        view_name="consent_sharing",
        form=make_form,
        call=lambda p, data: services.sharing_set(
            participant=p,
            actor=request.user,
            organisations=list(data["organisations"]) + list(data["police"]),
            given_on=data["given_on"],
        ),
        success=_("Information sharing updated."),
        title=_("Information sharing"),
    )


def consent_withdraw(request, public_id, consent_id):
    participant = access.get_participant_for_user(
        request.user, public_id, write=True, view_name="consent_withdraw"
    )
    consent = participant.consents.filter(pk=consent_id, withdrawn_on__isnull=True).first()
    if consent is None:
        raise Http404
    form = WithdrawForm(post_data(request), initial={"withdrawn_on": timezone.localdate()})
    if (
        request.method == "POST"
        and form.is_valid()
        and save_or_show_errors(
            form,
            lambda: services.consent_withdraw(
                consent=consent,
                actor=request.user,
                withdrawn_on=form.cleaned_data["withdrawn_on"],
                note=form.cleaned_data["note"],
            ),
        )
    ):
        messages.success(request, _("Withdrawal recorded."))
        return redirect("participant_detail", public_id=participant.public_id)
    return render(
        request,
        "referrals/participant_step.html",
        {
            "participant": participant,
            "form": form,
            "consent": consent,
            "title": _("Withdraw: %(kind)s") % {"kind": consent.get_kind_display()},
        },
    )


def youth_protection(request, public_id):
    return _participant_step(
        request,
        public_id,
        view_name="youth_protection",
        form=lambda p: YouthProtectionForm(
            post_data(request), initial={"considered_on": timezone.localdate()}
        ),
        call=lambda p, data: services.youth_protection_record(
            participant=p, actor=request.user, **data
        ),
        success=_("Duty to report recorded."),
        title=_("Duty to report to the DYP"),
    )


def consent_scan(request, public_id, consent_id):
    """Signed forms: the coordinator and assigned workers only, as an attachment, logged."""
    participant = access.get_participant_for_user(
        request.user,
        public_id,
        write=True,
        view_name="consent_scan",
        log_action=ReadLogEntry.Action.DOWNLOAD,
    )
    consent = participant.consents.filter(pk=consent_id).exclude(scan="").first()
    if consent is None:
        raise Http404
    extension = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}
    response = FileResponse(
        consent.scan.open("rb"),
        as_attachment=True,
        filename=f"consent-{participant.youth_id.strip('#')}-{consent.pk}."
        f"{extension.get(consent.scan_content_type, 'bin')}",
        content_type=consent.scan_content_type or "application/octet-stream",
    )
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
