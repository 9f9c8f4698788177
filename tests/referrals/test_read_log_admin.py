"""The read log in the admin, for a French-speaking privacy officer (issue 10, item 11): times
written correctly, translated headers and page names, the person and the youth ID rather than
internal ids, filters by person, file and date."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import formats, timezone, translation

from spheres.models import ReadLogEntry

pytestmark = pytest.mark.django_db
URL = reverse("admin:spheres_readlogentry_changelist")
FR = {"HTTP_ACCEPT_LANGUAGE": "fr-ca"}


@pytest.fixture
def reads(make_participant, personas, login):
    """The CCSMTL worker opens one file's timeline; the coordinator opens another file."""
    first, second = make_participant(), make_participant()
    login(personas["worker_ccsmtl"]).get(reverse("followups:timeline", args=[first.public_id]))
    login(personas["coordinator"]).get(
        reverse("referrals:participant_detail", args=[second.public_id])
    )
    return first, second


def test_the_privacy_officer_reads_people_youth_ids_and_pages_in_french(reads, personas, login):
    first, second = reads
    response = login(personas["administrator"]).get(URL, **FR)
    assert response.status_code == 200
    html = response.content.decode()
    for header in ("Date", "Personne", "Action", "Dossier", "Page"):
        assert re.search(rf"<th[^>]*>.*?{header}.*?</th>", html, re.S), header
    worker = personas["worker_ccsmtl"]
    assert f"{worker} &lt;{worker.email}&gt;" in html
    assert first.youth_id in html and second.youth_id in html
    with translation.override("fr-ca"):
        pages = [translation.gettext("Timeline"), translation.gettext("Participant file")]
    assert all(page in html for page in pages) and pages[0] != "Timeline"
    assert "participant_detail" not in html and ">timeline<" not in html
    assert first.referral.last_name not in html  # no name of a participant


def test_times_are_written_as_french_canadian_times(reads, personas, login):
    entry = ReadLogEntry.objects.order_by("at").first()
    ReadLogEntry.objects.filter(pk=entry.pk).update(
        at=datetime.datetime(2026, 11, 26, 8, 3, 59, tzinfo=datetime.UTC)
    )
    html = login(personas["administrator"]).get(URL, **FR).content.decode()
    assert "26 novembre 2026, 03\xa0h\xa003" in html
    assert "03 03 59" not in html
    with translation.override("fr-ca"):
        assert formats.get_format("TIME_FORMAT") == "H\xa0\\h\xa0i"


def test_filters_by_person_file_and_date(reads, personas, login):
    first, second = reads
    client = login(personas["administrator"])
    worker = personas["worker_ccsmtl"]
    by_person = client.get(URL, {"user__id__exact": worker.pk}, **FR).context["cl"].result_list
    assert {e.user_id for e in by_person} == {worker.pk}
    by_file = (
        client.get(URL, {"object_type": "participant", "object_id": second.pk}, **FR)
        .context["cl"]
        .result_list
    )
    assert {(e.object_type, e.object_id) for e in by_file} == {("participant", second.pk)}
    by_youth_id = client.get(URL, {"q": first.youth_id}, **FR).context["cl"].result_list
    assert {e.object_id for e in by_youth_id} == {first.pk}
    today = timezone.localdate()
    by_date = (
        client.get(
            URL, {"at__year": today.year, "at__month": today.month, "at__day": today.day}, **FR
        )
        .context["cl"]
        .result_list
    )
    assert len(by_date) == ReadLogEntry.objects.count()
    yesterday = today - datetime.timedelta(days=1)
    none = (
        client.get(
            URL,
            {"at__year": yesterday.year, "at__month": yesterday.month, "at__day": yesterday.day},
        )
        .context["cl"]
        .result_list
    )
    assert len(none) == 0
    html = client.get(URL, **FR).content.decode()
    for title in ("Par personne", "Par date", "Par type de dossier"):
        assert title in html  # the filters' titles, in French


def test_an_entry_opened_alone_reads_as_the_list_does(reads, personas, login):
    # The entry's own page showed "User", "At", "Object type", "View name" and the raw values
    # (participant, participant_detail), under a title written in UTC with the English "view".
    first, second = reads
    entry = ReadLogEntry.objects.get(view_name="participant_detail", object_id=second.pk)
    ReadLogEntry.objects.filter(pk=entry.pk).update(
        at=datetime.datetime(2026, 11, 26, 8, 3, 59, tzinfo=datetime.UTC)
    )
    url = reverse("admin:spheres_readlogentry_change", args=[entry.pk])
    response = login(personas["administrator"]).get(url, **FR)
    assert response.status_code == 200
    html = response.content.decode()
    for label in ("User", "At", "Object type", "Object id", "View name"):
        assert f">{label}" not in html, label
    with translation.override("fr-ca"):
        page, action = translation.gettext("Participant file"), translation.gettext("Viewed")
    assert page in html and action in html and second.youth_id in html
    assert "participant_detail" not in html
    assert "2026-11-26 03:03" in html and "2026-11-26 08:03" not in html
    assert " view participant#" not in html
    assert second.referral.last_name not in html
