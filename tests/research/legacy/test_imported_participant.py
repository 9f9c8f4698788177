"""A participant brought in from a workbook has no referral: it works everywhere a participant
shows (file, caseload, list and search, timeline, agenda, handover), its notes count in the
coordinator's dashboard figures and reach the research export once the coordinator records the
signed program consent; it stays on the coordinator's home until its consent is confirmed."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from committees import services as committee_services
from followups import services as followups
from followups.models import HandoverItem
from followups.rules import monday_of
from referrals import services as referrals
from referrals.models import Assignment, Participant
from research import selectors
from research.dashboards.scope import Level, Scope
from research.legacy.demo import SheetSpec
from research.legacy.services import workbook_import
from tests.committees.conftest import clinical, meeting, schedule  # noqa: F401
from tests.research.export.conftest import read_workbook, research_participant  # noqa: F401
from tests.research.legacy.conftest import week

pytestmark = pytest.mark.django_db

WEEKS = 6
SUMMARY = "Récréatif : sortie au musée, discussion sur le budget."


@pytest.fixture
def imported(workbook_file, personas):
    """#2024-77, entered four months ago, six weekly notes up to last week, by worker_ccsmtl."""
    today = timezone.localdate()
    last = monday_of(today) - datetime.timedelta(weeks=1)
    spec = SheetSpec(
        name="J",
        youth_id="#2024-77",
        gender="Femme",
        date_of_birth=today.replace(year=today.year - 17) - datetime.timedelta(days=40),
        entry=(today - datetime.timedelta(days=120)).replace(day=1),
        admission_risk="Jaune",
        weeks=[week(last - datetime.timedelta(weeks=n), summary=SUMMARY) for n in range(WEEKS)],
    )
    report = workbook_import(path=workbook_file([spec]), worker=personas["worker_ccsmtl"])
    assert report.saved, report.problems
    return Participant.objects.get(youth_id="#2024-77")


def html(client, name, *args, **query):
    response = client.get(reverse(name, args=args), query)
    assert response.status_code == 200
    return response.content.decode()


def test_the_file_renders_without_a_referral(imported, personas, login):
    for persona in ("coordinator", "worker_ccsmtl"):
        page = html(login(personas[persona]), "referrals:participant_detail", imported.public_id)
        assert "#2024-77" in page and "Femme" in page


def test_its_date_of_birth_and_gender_are_corrected_on_the_participant(imported, personas, login):
    # No referral holds contacts: the identity page corrects what the participant carries.
    url = reverse("referrals:participant_identity", args=[imported.public_id])
    client = login(personas["worker_ccsmtl"])
    page = client.get(url).content.decode()
    assert 'name="date_of_birth"' in page and 'name="phone"' not in page
    born = imported.date_of_birth - datetime.timedelta(days=400)
    response = client.post(url, {"date_of_birth": born.isoformat(), "gender_identity": "Homme"})
    assert response.status_code == 302
    imported.refresh_from_db()
    assert (imported.date_of_birth, imported.gender_identity) == (born, "Homme")
    # A date in the future is refused beside the field; nothing changes.
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = client.post(url, {"date_of_birth": tomorrow.isoformat(), "gender_identity": "X"})
    assert response.status_code == 200
    assert response.context["form"].errors["date_of_birth"]
    imported.refresh_from_db()
    assert imported.gender_identity == "Homme"
    # Someone who may not change the file: 404, as for any file.
    other = login(personas["worker_enmarge"])
    assert other.post(url, {"date_of_birth": born.isoformat()}).status_code == 404


def test_caseload_list_search_and_timeline_show_it(imported, personas, login):
    worker = login(personas["worker_ccsmtl"])
    assert "#2024-77" in html(worker, "followups:caseload")
    assert html(worker, "followups:timeline", imported.public_id).count(SUMMARY) == WEEKS
    coordinator = login(personas["coordinator"])
    assert "#2024-77" in html(coordinator, "referrals:participant_list")
    found = coordinator.post(reverse("referrals:participant_list"), {"search": "2024-77"})
    assert "#2024-77" in found.content.decode()
    # Someone else's worker: 404 as for any file.
    other = login(personas["worker_enmarge"])
    url = reverse("referrals:participant_detail", args=[imported.public_id])
    assert other.get(url).status_code == 404


def test_it_can_be_presented_on_the_clinical_agenda(imported, personas, login, meeting):  # noqa: F811
    # The agenda pulls the new admission by itself; presenting it is refused as a duplicate.
    committee_services.agenda_refresh(meeting=meeting, force=True)
    with pytest.raises(ValidationError):
        committee_services.item_add(
            meeting=meeting, actor=personas["coordinator"], youth_id="#2024-77"
        )
    page = html(login(personas["coordinator"]), "committees:meeting_detail", meeting.public_id)
    assert "#2024-77" in page


def test_its_notes_count_in_the_coordinators_figures(imported):
    today = timezone.localdate()
    scope = Scope(start=today - datetime.timedelta(days=150), end=today, level=Level.COORDINATOR)
    counts = selectors.participant_counts(scope)
    assert sum(map(sum, counts["age_gender"].cells)) == 1  # admitted in the period, 15-17
    _contact, intensity, *_rest = selectors.intensity_and_experience(scope)
    assert sum(intensity.n) >= 1


def test_the_export_includes_it_once_the_program_consent_is_recorded(
    imported,
    personas,
    tmp_path,
    research_participant,  # noqa: F811
):
    from research import services

    for _ in range(5):  # a cohort large enough for k-anonymity (k = 5)
        research_participant(notes=2)

    path = tmp_path / "before.xlsx"
    services.export_to_file(output=path, purpose="Évaluation")
    assert len(read_workbook(path)["weekly_notes"]) == 1 + 10  # not the imported notes

    followups.participation_resume(
        participant=imported,
        actor=personas["coordinator"],
        given_on=timezone.localdate(),
        place="Montréal",
        form_version="2019",
        declaration_signed_by=personas["worker_ccsmtl"],
        research_use="agreed",
        confidentiality_explained=True,
    )
    path = tmp_path / "after.xlsx"
    services.export_to_file(output=path, purpose="Évaluation")
    sheets = read_workbook(path)
    assert len(sheets["participants"]) == 1 + 6
    assert len(sheets["weekly_notes"]) == 1 + 10 + WEEKS


def test_the_home_panel_lists_it_until_the_coordinator_confirms_the_consent(
    imported, personas, login
):
    coordinator = login(personas["coordinator"])
    assert 'id="imported-to-confirm"' in html(coordinator, "home")
    assert "Confirmer le consentement" in html(coordinator, "home")  # an action, not a state
    assert "imported-to-confirm" not in html(login(personas["worker_ccsmtl"]), "home")
    confirm = reverse("referrals:imported_consent_confirm", args=[imported.public_id])

    # A worker cannot confirm; nobody can before the signed program consent is on file.
    worker = login(personas["worker_ccsmtl"])
    assert worker.post(confirm).status_code in (403, 404)
    coordinator = login(personas["coordinator"])
    coordinator.post(confirm, {"next": "home"})
    imported.refresh_from_db()
    assert imported.consent_confirmed_at is None

    followups.participation_resume(
        participant=imported,
        actor=personas["coordinator"],
        given_on=timezone.localdate(),
        place="Montréal",
        form_version="2019",
        declaration_signed_by=personas["worker_ccsmtl"],
        research_use="struck_out",
        confidentiality_explained=True,
    )
    response = coordinator.post(confirm, {"next": "home"})
    assert response.status_code == 302
    imported.refresh_from_db()
    assert imported.consent_confirmed_by == personas["coordinator"]
    assert imported.consent_confirmed_at is not None
    assert "imported-to-confirm" not in html(coordinator, "home")
    assert coordinator.get(confirm).status_code == 404  # POST only


def test_its_worker_can_be_handed_over_and_reassigned(imported, personas):
    coordinator, departing = personas["coordinator"], personas["worker_ccsmtl"]
    assignment = Assignment.objects.get(participant=imported, ended_at__isnull=True)
    assert assignment.referral_id is None
    followups.handover_perform(
        departing=departing,
        actor=coordinator,
        items=[(assignment, personas["worker_codim"], "Reprise du suivi.")],
    )
    current = Assignment.objects.get(participant=imported, ended_at__isnull=True)
    assert current.worker == personas["worker_codim"] and current.referral_id is None
    item = HandoverItem.objects.get()
    assert item.participant == imported and item.referral is None
    referrals.assignment_set(
        participant=imported,
        actor=coordinator,
        primary=personas["worker_codim"],
        second=personas["worker_enmarge"],
    )
    assert Assignment.objects.filter(participant=imported, ended_at__isnull=True).count() == 2


def test_an_admission_after_an_import_never_reuses_an_imported_youth_id(workbook_file, personas):
    """Youth IDs of this year typed in the old workbooks move the year's counter past them."""
    from referrals.services.admission import youth_id_allocate

    year = timezone.localdate().year
    spec = SheetSpec(
        name="J",
        youth_id=f"#{year}-03",
        entry=timezone.localdate().replace(day=1),
        weeks=[],
    )
    assert workbook_import(path=workbook_file([spec]), worker=personas["worker_ccsmtl"]).saved
    assert youth_id_allocate(year) == (4, f"#{year}-04")
