"""Referral and participant pages: who may open what, what a refusal looks like, query budgets."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from referrals import services
from referrals.models import Consent, ConsentKind, Participant, Referral, ReferralStatus
from spheres.models import ReadLogEntry, Role
from tests.conftest import make_person

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def case(make_participant, personas, organisations, faker):
    """Followed by worker_ccsmtl alone; shared with CCSMTL and CODIM, not En Marge, not police;
    its program consent carries a scan."""
    participant = make_participant(share_with=("ccsmtl", "codim"), second=None)
    consent = participant.consents.get(kind=ConsentKind.PROGRAM)
    consent.scan.save("x", SimpleUploadedFile("x.pdf", PDF), save=True)
    Consent.objects.filter(pk=consent.pk).update(scan_content_type="application/pdf")
    personas["police_consented"] = make_person(
        faker, organisations["police"], [Role.CLINICAL_COMMITTEE]
    )
    return participant


def urls(participant):
    consent = participant.consents.get(kind=ConsentKind.PROGRAM)
    research_use = participant.consents.get(kind=ConsentKind.RESEARCH_USE)
    pid = participant.public_id
    return {
        "read": [reverse("referrals:participant_detail", args=[pid])],
        "write": [
            reverse("referrals:consent_add", args=[pid, "research"]),
            reverse("referrals:consent_sharing", args=[pid]),
            reverse("referrals:consent_withdraw", args=[pid, research_use.pk]),
            reverse("followups:participation_end", args=[pid, consent.pk]),
            reverse("referrals:youth_protection", args=[pid]),
            reverse("referrals:consent_scan", args=[pid, consent.pk]),
            reverse("referrals:participant_identity", args=[pid]),
        ],
        "coordinator": [reverse("referrals:participant_assign", args=[pid])],
    }


# persona -> (may read, may write, coordinator pages)
MATRIX = {
    "coordinator": (True, True, True),
    "worker_ccsmtl": (True, True, False),  # assigned
    "worker_codim": (True, False, False),  # organisation named in the sharing consent
    "worker_enmarge": (False, False, False),  # organisation not named
    "police": (False, False, False),  # police without police sharing
    "steering": (False, False, False),
    "researcher": (False, False, False),
    "administrator": (False, False, False),
}


@pytest.mark.parametrize("persona", list(MATRIX))
def test_access_matrix_for_every_participant_page(case, personas, login, persona):
    may_read, may_write, may_coordinate = MATRIX[persona]
    client = login(personas[persona])
    pages = urls(case)
    for kind, allowed in (
        ("read", may_read),
        ("write", may_write),
        ("coordinator", may_coordinate),
    ):
        for url in pages[kind]:
            before = ReadLogEntry.objects.filter(user=personas[persona], action="denied").count()
            response = client.get(url)
            if allowed:
                assert response.status_code == 200, (persona, url)
            else:
                assert response.status_code == 404, (persona, url)
                assert case.youth_id.encode() not in response.content
                assert case.referral.last_name.encode() not in response.content
                after = ReadLogEntry.objects.filter(user=personas[persona], action="denied").count()
                if kind != "coordinator" or persona != "worker_ccsmtl":
                    assert after == before + 1, (persona, url)


def test_police_see_the_file_only_once_police_sharing_is_consented(
    case, personas, organisations, login
):
    url = reverse("referrals:participant_detail", args=[case.public_id])
    client = login(personas["police"])
    assert client.get(url).status_code == 404
    services.sharing_set(
        participant=case,
        actor=personas["coordinator"],
        organisations=[organisations["ccsmtl"], organisations["codim"], organisations["police"]],
        given_on=timezone.localdate(),
    )
    response = client.get(url)
    assert response.status_code == 200
    assert b"Read only" in response.content or b"Lecture seule" in response.content
    assert (
        client.get(reverse("referrals:consent_sharing", args=[case.public_id])).status_code == 404
    )


def test_opening_a_file_is_logged_with_ids_only(case, personas, login):
    login(personas["worker_codim"]).get(
        reverse("referrals:participant_detail", args=[case.public_id])
    )
    entry = ReadLogEntry.objects.filter(user=personas["worker_codim"]).latest("at")
    assert (entry.action, entry.object_type, entry.object_id) == ("view", "participant", case.pk)
    assert entry.view_name == "participant_detail"


def test_a_guessed_url_answers_404_and_is_logged(personas, login):
    response = login(personas["worker_codim"]).get(
        reverse("referrals:participant_detail", args=["12345678-1234-4123-8123-123456789012"])
    )
    assert response.status_code == 404
    entry = ReadLogEntry.objects.get(user=personas["worker_codim"])
    assert entry.action == "denied" and entry.object_id is None


def test_the_signed_form_downloads_as_an_attachment(case, personas, login):
    consent = case.consents.get(kind=ConsentKind.PROGRAM)
    response = login(personas["worker_ccsmtl"]).get(
        reverse("referrals:consent_scan", args=[case.public_id, consent.pk])
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert case.referral.last_name not in response["Content-Disposition"]
    # Nothing about the person in a name that stays in the downloads folder.
    assert case.youth_id.strip("#") not in response["Content-Disposition"]
    assert f'filename="consent-{consent.pk}.pdf"' in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == PDF
    entry = ReadLogEntry.objects.filter(user=personas["worker_ccsmtl"]).latest("at")
    assert entry.action == "download"


@pytest.mark.parametrize(
    "view",
    [
        "referrals:referral_detail",
        "referrals:referral_screening",
        "referrals:referral_admit",
        "referrals:referral_status",
    ],
)
@pytest.mark.parametrize("persona", ["worker_ccsmtl", "police", "steering", "administrator"])
def test_referral_files_are_the_coordinators(make_referral, personas, login, view, persona):
    referral = make_referral(submitted_by=personas[persona])
    response = login(personas[persona]).get(reverse(view, args=[referral.public_id]))
    assert response.status_code == 404
    assert referral.last_name.encode() not in response.content
    assert ReadLogEntry.objects.filter(
        user=personas[persona], action="denied", object_type="referral"
    ).exists()


def test_a_referrer_sees_only_the_status_of_their_own_referrals(make_referral, personas, login):
    mine = make_referral(submitted_by=personas["worker_enmarge"])
    other = make_referral(submitted_by=personas["worker_codim"])
    html = login(personas["worker_enmarge"]).get(reverse("referrals:my_referrals")).content.decode()
    assert mine.last_name not in html  # initials only
    assert f"{mine.first_name[0]}. {mine.last_name[0]}." in html
    assert other.first_name not in html and html.count("<tr>") == 2  # header + one row


def test_a_partner_referral_lands_in_the_queue(personas, login):
    client = login(personas["worker_enmarge"])
    response = client.post(
        reverse("referrals:referral_submit"),
        {
            "first_name": "Léa",
            "last_name": "Fortin",
            "date_of_birth": "2010-03-04",
            "reasons": "Inquiétudes",
            "legal_care": "unknown",
        },
    )
    assert response.status_code == 302
    referral = Referral.objects.get(last_name="Fortin")
    assert referral.referrer_email == personas["worker_enmarge"].email
    assert referral.status == ReferralStatus.NEW
    queue = login(personas["coordinator"]).get(reverse("referrals:referral_queue")).content.decode()
    assert "Fortin" in queue


# --- Bad input through the pages ---------------------------------------------------------------

INTAKE = {
    "first_name": "Léa",
    "last_name": "Fortin",
    "date_of_birth": "2009-03-04",
    "phone": "514-555-0199",
    "reasons": "Inquiétudes",
    "legal_care": "unknown",
    "referrer_name": "Réf",
    "referrer_contact": "514",
}


def test_missing_fields_are_shown_beside_the_fields_and_nothing_is_saved(personas, login):
    data = {**INTAKE, "reasons": "", "referrer_name": ""}
    response = login(personas["coordinator"]).post(reverse("referrals:referral_create"), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="id_reasons_error"' in html and 'id="id_referrer_name_error"' in html
    assert 'value="Fortin"' in html
    assert not Referral.objects.exists()


def test_possible_duplicates_are_shown_before_saving(make_referral, personas, login):
    existing = make_referral(phone="514-555-0199")
    client = login(personas["coordinator"])
    response = client.post(reverse("referrals:referral_create"), INTAKE)
    assert response.status_code == 200
    assert (
        reverse("referrals:referral_detail", args=[existing.public_id]) in response.content.decode()
    )
    assert Referral.objects.count() == 1
    response = client.post(
        reverse("referrals:referral_create"), {**INTAKE, "confirm_new_person": "on"}
    )
    assert response.status_code == 302
    assert Referral.objects.count() == 2


@pytest.mark.parametrize(("age", "message"), [(11, "Aged 11"), (25, "Aged 25")])
def test_admission_outside_12_to_24_is_refused_with_the_reason(
    make_referral, screen, personas, login, age, message
):
    referral = make_referral(age=age)
    screen(referral)
    today = timezone.localdate().isoformat()
    response = login(personas["coordinator"]).post(
        reverse("referrals:referral_admit", args=[referral.public_id]),
        {
            "admitted_on": today,
            "consent_given_on": today,
            "consent_place": "Montréal",
            "consent_form_version": "1",
            "declaration_signed_by": personas["worker_ccsmtl"].pk,
            "research_use": "agreed",
            "confidentiality_explained": "on",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Participant.objects.exists()


def test_an_html_file_renamed_pdf_is_refused_at_admission(make_referral, screen, personas, login):
    referral = make_referral()
    screen(referral)
    today = timezone.localdate().isoformat()
    response = login(personas["coordinator"]).post(
        reverse("referrals:referral_admit", args=[referral.public_id]),
        {
            "admitted_on": today,
            "consent_given_on": today,
            "consent_place": "Montréal",
            "consent_form_version": "1",
            "declaration_signed_by": personas["worker_ccsmtl"].pk,
            "research_use": "agreed",
            "confidentiality_explained": "on",
            "consent_scan": SimpleUploadedFile(
                "form.pdf", b"<!doctype html><p>x</p>", "application/pdf"
            ),
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["consent_scan"]
    assert not Participant.objects.exists()
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SCREENING


def test_a_second_admission_is_refused_from_the_page(make_referral, screen, admit, personas, login):
    referral = make_referral()
    screen(referral)
    admit(referral)
    today = timezone.localdate().isoformat()
    response = login(personas["coordinator"]).post(
        reverse("referrals:referral_admit", args=[referral.public_id]),
        {
            "admitted_on": today,
            "consent_given_on": today,
            "consent_place": "Montréal",
            "consent_form_version": "1",
            "declaration_signed_by": personas["worker_ccsmtl"].pk,
            "research_use": "agreed",
            "confidentiality_explained": "on",
        },
    )
    assert response.status_code == 200
    assert Participant.objects.count() == 1


def test_assigning_a_non_worker_is_refused_from_the_page(case, personas, login):
    response = login(personas["coordinator"]).post(
        reverse("referrals:participant_assign", args=[case.public_id]),
        {"primary": personas["police"].pk},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["primary"]


def test_search_is_by_post_and_names_stay_out_of_urls(case, personas, login):
    client = login(personas["coordinator"])
    response = client.post(reverse("referrals:participant_list"), {"q": case.referral.last_name})
    assert response.status_code == 200
    assert [p.pk for p in response.context["participants"]] == [case.pk]
    assert case.referral.last_name not in response.request["PATH_INFO"]


def test_the_recruiter_marker_shows_on_list_and_file(make_referral, screen, admit, personas, login):
    from referrals.models import RecruiterRiskAssessment

    referral = make_referral()
    screen(referral, recruits_others=True, recruiter_acknowledges=True)
    services.recruiter_risk_assessment_record(
        referral=referral,
        actor=personas["coordinator"],
        delinquent_profile="-",
        network_involvement="-",
        benefits_versus_risks="-",
        decision=RecruiterRiskAssessment.Decision.BENEFITS_OUTWEIGH,
        decided_on=timezone.localdate(),
    )
    participant = admit(referral)
    client = login(personas["coordinator"])
    for url in (
        reverse("referrals:participant_list"),
        reverse("referrals:participant_detail", args=[participant.public_id]),
    ):
        assert "marker-no-contact" in client.get(url).content.decode()


# --- Query budgets -----------------------------------------------------------------------------


def _plans_for(participant, worker, *, versions):
    from followups import services as followup_services

    today = timezone.localdate()
    for i in range(versions):
        day = today - datetime.timedelta(days=versions - i)
        followup_services.safety_plan_save(
            participant=participant,
            actor=worker,
            text=f"Plan {i}",
            reviewed_on=day,
            next_review_on=day + datetime.timedelta(days=30),
        )
        followup_services.needs_evaluate(
            participant=participant, actor=worker, evaluated_on=day, emergency=f"Note {i}"
        )
        followup_services.life_plan_goal_add(
            participant=participant, actor=worker, goal=f"But {i}", set_on=day
        )


@pytest.mark.parametrize("size", [10, 200])
def test_pages_stay_within_the_query_budget(
    size, bulk_participants, make_referral, personas, login, django_assert_max_num_queries
):
    participants = bulk_participants(size)
    for _ in range(size // 10):
        make_referral()
    _plans_for(participants[0], personas["worker_ccsmtl"], versions=size // 10)
    coordinator = login(personas["coordinator"])
    for url, budget in (
        # Figures (one query each), the panels (without-worker list, imported participants to
        # confirm, committees), role grants; the first request after signing in also saves
        # the session.
        (reverse("home"), 19),
        (reverse("referrals:referral_queue"), 14),
        (reverse("referrals:referral_queue") + "?status=closed", 14),
        (reverse("referrals:participant_list"), 14),
        # The file also shows the plans (safety plan and its author, needs, goals) and the
        # transition summaries.
        (reverse("referrals:participant_detail", args=[participants[0].public_id]), 20),
        (reverse("followups:attention") + "?list=without_worker", 16),
        (reverse("followups:attention") + "?list=missing_notes", 16),
    ):
        with django_assert_max_num_queries(budget):
            assert coordinator.get(url).status_code == 200
    worker = login(personas["worker_ccsmtl"])
    with django_assert_max_num_queries(12):
        assert worker.get(reverse("home")).status_code == 200
    for url, shown in (
        (reverse("followups:caseload"), min(size, 50)),
        (reverse("referrals:participant_list"), min(size, 50)),
    ):
        with django_assert_max_num_queries(14):
            response = worker.get(url)
        assert response.status_code == 200
        assert len(response.context["participants"]) == shown  # the list pages by 50


@pytest.mark.parametrize("size", [10, 200])
def test_the_list_of_a_member_who_sees_through_sharing_stays_within_the_query_budget(
    size, bulk_participants, organisations, faker, personas, login, django_assert_max_num_queries
):
    """A Clinical Committee member who is not a youth worker sees the files shared with their
    organisation (here all of them); the police, none of these. Nine queries at either size; one
    of them reads the person's groups, by id, so that PostgreSQL knows how many files each group
    holds and plans the list accordingly."""
    from tests.conftest import make_person

    bulk_participants(size)
    member = make_person(faker, organisations["ccsmtl"], [Role.CLINICAL_COMMITTEE])
    url = reverse("referrals:participant_list")
    for person, shown in ((member, min(size, 50)), (personas["police"], 0)):
        client = login(person)
        client.get(url)  # once-per-process lookups and the session out of the way
        with django_assert_max_num_queries(9):
            response = client.get(url)
        assert response.status_code == 200
        assert len(response.context["participants"]) == shown


def test_the_participant_list_pages_and_ignores_malformed_filters(
    bulk_participants, personas, login
):
    bulk_participants(60)
    client = login(personas["coordinator"])
    first = client.get(reverse("referrals:participant_list"))
    second = client.get(reverse("referrals:participant_list"), {"page": 2})
    assert len(first.context["participants"]) == 50 and len(second.context["participants"]) == 10
    assert (
        client.get(
            reverse("referrals:participant_list"), {"worker": "abc", "organisation": "1;--"}
        ).status_code
        == 200
    )


def test_list_filters_by_worker_and_organisation_list_each_participant_once(
    make_participant, personas, organisations, login
):
    # Both workers of this pair belong to CCSMTL: filtering by CCSMTL matches two assignments.
    from spheres import services as core_services

    core_services.membership_grant(
        user=personas["worker_codim"], organisation=organisations["ccsmtl"], roles=["youth_worker"]
    )
    pair = make_participant()
    alone = make_participant(primary="worker_enmarge", second=None)
    client = login(personas["coordinator"])
    url = reverse("referrals:participant_list")
    by_org = client.get(url, {"organisation": organisations["ccsmtl"].pk}).context["participants"]
    assert [p.pk for p in by_org] == [pair.pk]
    by_worker = client.get(url, {"worker": personas["worker_enmarge"].pk}).context["participants"]
    assert [p.pk for p in by_worker] == [alone.pk]


def test_the_assignment_page_suggests_a_pair_from_two_organisations(
    make_referral, screen, admit, personas, login
):
    from referrals import selectors

    referral = make_referral()
    screen(referral)
    participant = admit(referral)
    response = login(personas["coordinator"]).get(
        reverse("referrals:participant_assign", args=[participant.public_id])
    )
    first, second = response.context["suggested"]
    orgs = lambda u: {m.organisation_id for m in u.memberships.all()}  # noqa: E731
    assert first and second and not orgs(first) & orgs(second)
    assert response.context["form"].initial == {"primary": first.pk, "second": second.pk}
    loads = {w.pk: w.caseload for w in selectors.youth_workers_with_caseload()}
    assert loads[first.pk] == min(loads.values())


def test_an_assigned_worker_updates_contacts_and_others_cannot(case, personas, login):
    url = reverse("referrals:participant_identity", args=[case.public_id])
    data = {
        "first_name": case.referral.first_name,
        "last_name": case.referral.last_name,
        "date_of_birth": case.referral.date_of_birth.isoformat(),
        "phone": "438-555-0142",
        "legal_care": "unknown",
    }
    response = login(personas["worker_ccsmtl"]).post(url, data)
    assert response.status_code == 302
    case.referral.refresh_from_db()
    assert case.referral.phone == "438-555-0142" and case.referral.phone_digits == "4385550142"
    for persona in ("worker_codim", "worker_enmarge", "steering"):  # read-only or outsiders
        assert login(personas[persona]).post(url, {**data, "phone": "1"}).status_code == 404
    case.referral.refresh_from_db()
    assert case.referral.phone == "438-555-0142"


def test_a_workers_caseload_counts_their_open_assignments_once(
    make_participant, personas, organisations
):
    """The caseload shown beside each worker on the assignment and handover pages: open
    assignments only, each once, even for a worker who belongs to two organisations."""
    from django.utils import timezone

    from followups import selectors as followup_selectors
    from referrals import selectors
    from spheres import services as core_services
    from spheres.models import Role

    worker = personas["worker_ccsmtl"]
    core_services.membership_grant(
        user=worker, organisation=organisations["enmarge"], roles=[Role.YOUTH_WORKER]
    )
    for _ in range(3):
        make_participant()
    ended = worker.assignments.first()
    ended.ended_at = timezone.now()
    ended.save(update_fields=["ended_at"])

    loads = {w.pk: w.caseload for w in selectors.youth_workers_with_caseload()}
    assert loads[worker.pk] == 2
    assert loads[personas["worker_codim"].pk] == 3
    assert loads[personas["worker_enmarge"].pk] == 0  # none: zero, not empty
    successors = followup_selectors.successors_for(personas["worker_codim"])
    assert {w.pk: w.caseload for w in successors}[worker.pk] == 2
    departing = {w.pk: w.caseload for w in followup_selectors.departing_workers()}
    assert departing[worker.pk] == 2 and departing[personas["worker_enmarge"].pk] == 0


def test_an_agreement_in_force_is_not_offered_again(case, personas, login):
    """The file offers to record a research agreement only when none is in force (the service
    refuses a second one), and again once it is withdrawn."""
    client = login(personas["worker_ccsmtl"])
    detail = reverse("referrals:participant_detail", args=[case.public_id])
    research_use = reverse("referrals:consent_add", args=[case.public_id, "research_use"])
    research = reverse("referrals:consent_add", args=[case.public_id, "research"])
    html = client.get(detail).content.decode()
    assert research_use not in html  # agreed at admission
    assert research in html  # no study consent yet
    services.consent_record(
        participant=case, actor=personas["worker_ccsmtl"], kind=ConsentKind.RESEARCH,
        given_on=timezone.localdate(), place="Montréal", form_version="recherche-2024-1",
    )  # fmt: skip
    services.consent_withdraw(
        consent=case.consents.get(kind=ConsentKind.RESEARCH_USE),
        actor=personas["worker_ccsmtl"],
        withdrawn_on=timezone.localdate(),
    )
    html = client.get(detail).content.decode()
    assert research_use in html
    assert research not in html
