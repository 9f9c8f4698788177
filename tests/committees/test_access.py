"""Who sees what of a committee: non-members get 404; on a Clinical agenda, names and content only
where the participant access policy allows; no name or date of birth in any Steering, Joint or
Extended document (HTML, print, PDF, e-mail, .ics); printed Clinical documents carry youth IDs."""

import datetime
import io

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from committees import services
from committees.models import AgendaItem, CommitteeKind, ItemKind, NewsSource
from followups import services as followup_services
from followups.models import FollowUpStatus, InactiveReason
from referrals import services as referral_services
from referrals.models import ReferralStatus
from spheres.models import ReadLogEntry

pytestmark = pytest.mark.django_db


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def nominative(referral) -> list[str]:
    """What must never appear: names and the date of birth, in the forms a page could show."""
    dob = referral.date_of_birth
    return [referral.first_name, referral.last_name, dob.isoformat(), dob.strftime("%d/%m/%Y")]


def outputs(client, meeting, *, lang=""):
    """Every form a committee document takes, as text."""
    suffix = f"?lang={lang}" if lang else ""
    texts = {}
    for doc in ("agenda", "minutes"):
        page = client.get(reverse("committees:print", args=[meeting.public_id, doc]) + suffix)
        assert page.status_code == 200
        texts[f"print-{doc}"] = page.content.decode()
        pdf = client.get(reverse("committees:pdf", args=[meeting.public_id, doc]) + suffix)
        assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
        texts[f"pdf-{doc}"] = pdf_text(pdf.content)
    ics = client.get(reverse("committees:calendar", args=[meeting.public_id]))
    assert ics.status_code == 200 and ics["Content-Type"] == "text/calendar"
    texts["ics"] = ics.content.decode()
    return texts


@pytest.fixture
def case(personas, make_participant, make_referral, screen):
    """A participant made inactive (police news and minutes about them), and a candidate awaiting
    the committee: the people whose names must stay out of documents."""
    coordinator = personas["coordinator"]
    participant = make_participant()
    followup_services.followup_set_status(
        participant=participant,
        actor=coordinator,
        to_status=FollowUpStatus.INACTIVE,
        reason=InactiveReason.WITHDRAWAL,
    )
    candidate = make_referral()
    screen(candidate)
    referral_services.referral_set_status(
        referral=candidate, to_status=ReferralStatus.AWAITING_COMMITTEE, actor=coordinator
    )
    return participant, candidate


# --- Members only ----------------------------------------------------------------------------


def test_a_non_member_gets_404_on_the_committee_and_its_meetings(login, personas, meeting):
    client = login(personas["steering"])  # sits on no Clinical Committee
    urls = [
        reverse("committees:committee_detail", args=[meeting.committee_id]),
        reverse("committees:meeting_detail", args=[meeting.public_id]),
        reverse("committees:print", args=[meeting.public_id, "agenda"]),
        reverse("committees:pdf", args=[meeting.public_id, "minutes"]),
        reverse("committees:calendar", args=[meeting.public_id]),
    ]
    for url in urls:
        assert client.get(url).status_code == 404, url
    denied = ReadLogEntry.objects.filter(
        user=personas["steering"], action=ReadLogEntry.Action.DENIED, object_type="meeting"
    )
    assert denied.count() == 4
    assert client.get(reverse("committees:committee_list")).status_code == 200


def test_a_member_whose_seat_ended_no_longer_opens_the_meetings(login, personas, meeting):
    seat = meeting.committee.members.get(user=personas["police"])
    services.member_end(
        member=seat,
        actor=personas["coordinator"],
        ends_on=timezone.localdate() - datetime.timedelta(days=1),
    )
    client = login(personas["police"])
    url = reverse("committees:meeting_detail", args=[meeting.public_id])
    assert client.get(url).status_code == 404


def test_a_member_who_is_not_the_coordinator_cannot_edit_the_agenda(login, personas, meeting):
    client = login(personas["worker_ccsmtl"])
    item = services.item_add(meeting=meeting, actor=personas["coordinator"], title="Varia")
    for url in (
        reverse("committees:item_action", args=[meeting.public_id, item.pk, "remove"]),
        reverse("committees:attendance", args=[meeting.public_id]),
        reverse("committees:meeting_create", args=[meeting.committee_id]),
    ):
        assert client.post(url).status_code == 404
    assert AgendaItem.objects.get(pk=item.pk).removed_at is None


# --- The Clinical agenda ---------------------------------------------------------------------


def test_a_clinical_member_sees_names_only_where_the_policy_allows(
    login, personas, clinical, case, schedule
):
    participant, candidate = case
    meeting = schedule(clinical)[0]
    url = reverse("committees:meeting_detail", args=[meeting.public_id])
    name = participant.referral.last_name

    # The coordinator sees everyone, candidates included.
    html = login(personas["coordinator"]).get(url).content.decode()
    assert participant.youth_id in html and name in html
    assert candidate.last_name in html

    # A worker of an organisation the participant shares with: the name, not the candidate's.
    html = login(personas["worker_codim"]).get(url).content.decode()
    assert participant.youth_id in html and name in html
    assert candidate.last_name not in html

    # The police member: the participant did not consent to police sharing. Youth ID only.
    response = login(personas["police"]).get(url)
    html = response.content.decode()
    assert response.status_code == 200
    assert participant.youth_id in html
    assert name not in html and participant.referral.first_name not in html
    assert candidate.last_name not in html and candidate.first_name not in html


def test_the_agenda_page_writes_the_read_log_for_the_participants_it_shows(
    login, personas, clinical, case, schedule
):
    participant, _candidate = case
    meeting = schedule(clinical)[0]
    url = reverse("committees:meeting_detail", args=[meeting.public_id])
    login(personas["worker_codim"]).get(url)
    assert ReadLogEntry.objects.filter(
        user=personas["worker_codim"],
        object_type="participant",
        object_id=participant.pk,
        view_name="meeting_detail",
    ).exists()
    login(personas["police"]).get(url)
    assert not ReadLogEntry.objects.filter(
        user=personas["police"], object_type="participant", object_id=participant.pk
    ).exists()


def test_the_read_log_names_the_committee_pages_in_the_privacy_officers_language(
    login, personas, clinical, case, schedule, make_participant
):
    # The admin's "Page" column showed the code's names (meeting_detail, print_document…).
    make_participant()  # an active follow-up: a case to present
    meeting = schedule(clinical)[0]
    client = login(personas["coordinator"])
    client.get(reverse("committees:meeting_detail", args=[meeting.public_id]))
    client.get(reverse("committees:print", args=[meeting.public_id, "agenda"]))
    client.get(reverse("committees:pdf", args=[meeting.public_id, "agenda"]))
    presentation = AgendaItem.objects.filter(meeting=meeting, kind=ItemKind.PRESENTATION)[0]
    client.get(reverse("committees:presentation", args=[meeting.public_id, presentation.pk]))
    logged = set(
        ReadLogEntry.objects.filter(user=personas["coordinator"]).values_list(
            "view_name", flat=True
        )
    )
    assert {"meeting_detail", "print_document", "pdf_document", "presentation"} <= logged
    url = reverse("admin:spheres_readlogentry_changelist")
    for language in ("fr-ca", "en"):
        html = login(personas["administrator"]).get(url, HTTP_ACCEPT_LANGUAGE=language)
        html = html.content.decode()
        for view_name in logged:
            assert f">{view_name}<" not in html, (language, view_name)
    html = login(personas["administrator"]).get(url, HTTP_ACCEPT_LANGUAGE="fr-ca").content.decode()
    assert "Rencontre de comité\xa0: ordre du jour" in html
    assert "Présentation de cas" in html


def test_police_news_is_recorded_by_a_member_and_read_by_those_who_may_see_the_person(
    login, personas, clinical, case, schedule
):
    participant, _candidate = case
    meeting = schedule(clinical)[0]
    item = AgendaItem.objects.get(meeting=meeting, kind=ItemKind.FOLLOWUP_INACTIVE)
    police = login(personas["police"])
    response = police.post(
        reverse("committees:item_news", args=[meeting.public_id, item.pk]),
        {"source": NewsSource.POLICE, "text": "Vue au centre-ville la semaine passée."},
    )
    assert response.status_code == 302
    url = reverse("committees:meeting_detail", args=[meeting.public_id])
    assert "Vue au centre-ville" in police.get(url).content.decode()  # their own news
    assert "Vue au centre-ville" in login(personas["worker_codim"]).get(url).content.decode()
    assert "Vue au centre-ville" not in (
        login(personas["worker_enmarge"]).get(url).content.decode()  # substitute, no access
    )


def test_news_that_names_the_person_is_refused_beside_the_field(
    login, personas, clinical, case, schedule
):
    participant, _candidate = case
    meeting = schedule(clinical)[0]
    item = AgendaItem.objects.get(meeting=meeting, kind=ItemKind.FOLLOWUP_INACTIVE)
    client = login(personas["coordinator"])
    text = f"{participant.referral.first_name} a été vue au métro."
    response = client.post(
        reverse("committees:item_news", args=[meeting.public_id, item.pk]),
        {"source": NewsSource.POLICE, "text": text},
    )
    assert response.status_code == 200
    assert "numéro de référence" in response.content.decode()
    assert not item.news.exists()


def test_the_name_check_never_tells_a_member_a_name_they_may_not_see(
    login, personas, clinical, case, schedule
):
    """The refusal quotes the names it found: checked against names hidden from the writer, it
    would tell a police member or a substitute who a youth ID or referral number is."""
    participant, candidate = case
    meeting = schedule(clinical)[0]
    inactive = AgendaItem.objects.get(meeting=meeting, kind=ItemKind.FOLLOWUP_INACTIVE)
    varia = services.item_add(meeting=meeting, actor=personas["coordinator"], title="Varia")
    hidden = [participant.referral.first_name, participant.referral.last_name]
    hidden += [candidate.first_name, candidate.last_name]
    guesses = " ".join(["Alice", "Tremblay", *hidden, "Gagnon"])
    police = login(personas["police"])  # a member who may not see the participant
    response = police.post(
        reverse("committees:item_news", args=[meeting.public_id, inactive.pk]),
        {"source": NewsSource.POLICE, "text": guesses},
    )
    assert response.status_code == 302  # recorded as typed, read only by those who may see
    substitute = login(personas["worker_enmarge"])  # sees neither person
    response = substitute.post(
        reverse("committees:item_minutes", args=[meeting.public_id, varia.pk]),
        {"minutes": guesses, "version": varia.version},
    )
    assert response.status_code in (200, 302)
    page = substitute.get(reverse("committees:meeting_detail", args=[meeting.public_id]))
    for answer in (response, page):
        html = answer.content.decode().lower()
        assert "numéro de référence" not in html  # no refusal
    # Whoever typed them, the documents blot the names out.
    texts = outputs(login(personas["coordinator"]), meeting)
    for kind in ("print-minutes", "pdf-minutes"):
        for name in hidden:
            assert name not in texts[kind], (kind, name)
        assert participant.youth_id in texts[kind] and "Alice" in texts[kind], kind


def test_the_name_check_still_refuses_names_the_writer_may_see(
    login, personas, clinical, case, schedule
):
    participant, _candidate = case
    meeting = schedule(clinical)[0]
    varia = services.item_add(meeting=meeting, actor=personas["coordinator"], title="Varia")
    worker = login(personas["worker_codim"])  # follows the participant
    text = f"Revoir le plan avec {participant.referral.last_name}."
    response = worker.post(
        reverse("committees:item_minutes", args=[meeting.public_id, varia.pk]),
        {"minutes": text, "version": varia.version},
    )
    assert response.status_code == 200
    assert "numéro de référence" in response.content.decode()
    varia.refresh_from_db()
    assert varia.minutes == ""


def test_printed_clinical_documents_carry_youth_ids_and_referral_numbers_only(
    login, personas, clinical, case, schedule
):
    participant, candidate = case
    meeting = schedule(clinical)[0]
    coordinator = personas["coordinator"]
    inactive = AgendaItem.objects.get(meeting=meeting, kind=ItemKind.FOLLOWUP_INACTIVE)
    services.news_add(
        item=inactive, actor=personas["police"], source=NewsSource.POLICE, text="Vue au métro."
    )
    services.minutes_save(
        item=inactive, actor=coordinator, minutes="On tente un contact par la DPJ.", version=1
    )
    # Text written before a name change still names the person: the documents blot it out.
    AgendaItem.objects.filter(pk=inactive.pk).update(
        note=f"Préférait « {participant.referral.first_name} »."
    )
    texts = outputs(login(coordinator), meeting)
    for kind, text in texts.items():
        for value in nominative(participant.referral) + nominative(candidate):
            assert value not in text, (kind, value)
    for kind in ("print-agenda", "pdf-agenda", "print-minutes", "pdf-minutes"):
        assert participant.youth_id in texts[kind], kind
        assert f"R-{candidate.pk:04d}" in texts[kind], kind
    assert "On tente un contact par la DPJ." in texts["pdf-minutes"]
    assert "Vue au métro." in texts["pdf-minutes"]


# --- Steering, Joint and Extended: no nominative data at all ----------------------------------


@pytest.mark.parametrize(
    "kind", [CommitteeKind.STEERING, CommitteeKind.JOINT, CommitteeKind.EXTENDED]
)
def test_no_name_or_date_of_birth_in_any_program_committee_document(
    kind, login, personas, case, schedule, django_capture_on_commit_callbacks, settings
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    from spheres.celery import app

    app.conf.task_always_eager = True
    participant, candidate = case
    coordinator = personas["coordinator"]
    committee = services.committee_create(actor=coordinator, kind=kind, name=f"Comité {kind}")
    start = timezone.localdate() - datetime.timedelta(days=1)
    services.member_add(committee=committee, actor=coordinator, user=coordinator, starts_on=start)
    services.member_add(
        committee=committee, actor=coordinator, user=personas["steering"], starts_on=start
    )
    if kind == CommitteeKind.EXTENDED:
        services.member_add(
            committee=committee,
            actor=coordinator,
            external_name="Personne Externe",
            external_organisation="Organisme régional",
            external_email="externe@example.org",
            starts_on=start,
        )
    first, second = schedule(committee, frequency="quarterly", count=2)
    services.action_create(
        meeting=first, actor=coordinator, title="Bilan des références", owner=personas["steering"]
    )
    services.agenda_refresh(meeting=second)
    figures = AgendaItem.objects.get(meeting=second, kind=ItemKind.FIGURES)
    services.minutes_save(item=figures, actor=coordinator, minutes="Figures à venir.", version=1)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            services.invitations_send(meeting=second, actor=coordinator)
    finally:
        app.conf.task_always_eager = False

    client = login(coordinator)
    texts = outputs(client, second)
    texts["html"] = client.get(
        reverse("committees:meeting_detail", args=[second.public_id])
    ).content.decode()
    texts["english-pdf"] = outputs(client, second, lang="en")["pdf-minutes"]
    assert mail.outbox, "the invitation was e-mailed"
    for message in mail.outbox:
        texts[f"mail-{message.to[0]}"] = message.body + message.subject
        for _name, content, _type in message.attachments:
            texts[f"mail-ics-{message.to[0]}"] = (
                content.decode() if isinstance(content, bytes) else content
            )
    for where, text in texts.items():
        for value in nominative(participant.referral) + nominative(candidate):
            assert value not in text, (where, value)
        assert participant.youth_id not in text, where
    assert "Bilan des références" in texts["pdf-agenda"]
    assert "BEGIN:VEVENT" in texts["ics"] and "ATTENDEE" not in texts["ics"]
    if kind == CommitteeKind.EXTENDED:
        assert "externe@example.org" in {m.to[0] for m in mail.outbox}


def test_changes_a_member_may_not_make_answer_404_and_are_logged(
    login, personas, clinical, case, schedule, make_participant
):
    """Reaching the meeting is not enough: minutes about someone the member may not see, a case
    presentation they may only read, another member's action item: 404, as anyone else's file."""
    participant, _candidate = case
    meeting = schedule(clinical)[0]
    inactive = AgendaItem.objects.get(meeting=meeting, kind=ItemKind.FOLLOWUP_INACTIVE)
    police = login(personas["police"])
    response = police.post(
        reverse("committees:item_minutes", args=[meeting.public_id, inactive.pk]),
        {"minutes": "Vue au métro.", "version": inactive.version},
    )
    assert response.status_code == 404
    assert ReadLogEntry.objects.filter(
        user=personas["police"], action="denied", object_id=participant.pk
    ).exists()
    inactive.refresh_from_db()
    assert inactive.minutes == ""

    action = services.action_create(
        meeting=meeting,
        actor=personas["coordinator"],
        title="Relancer la DPJ",
        owner=personas["worker_codim"],
    )
    response = police.post(
        reverse("committees:action_status", args=[action.pk]), {"status": "done"}
    )
    assert response.status_code == 404
    action.refresh_from_db()
    assert action.status == "open"
