"""Two people save the same minutes, annotation or case presentation: the second is told, sees
what the first saved, keeps what they typed, and can save again after comparing (the form then
builds on the version saved meanwhile instead of being refused again and again)."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from committees import services
from committees.models import AgendaItem, ItemKind

pytestmark = pytest.mark.django_db


def client_for(user):
    client = Client()
    client.force_login(user, backend="allauth.account.auth_backends.AuthenticationBackend")
    return client


def hidden_version(html: str, action: str) -> str:
    form = re.search(rf'action="{re.escape(action)}".*?</form>', html, re.S).group(0)
    return re.search(r'name="version" value="(\d+)"', form).group(1)


@pytest.mark.parametrize(("field", "view"), [("minutes", "item_minutes"), ("note", "item_note")])
def test_after_a_conflict_on_an_item_the_text_is_kept_and_saving_again_works(
    personas, meeting, field, view
):
    item = services.item_add(meeting=meeting, actor=personas["coordinator"], title="Varia")
    url = reverse(f"committees:{view}", args=[meeting.public_id, item.pk])
    first, second = client_for(personas["coordinator"]), client_for(personas["coordinator"])
    # Both opened the item at version 1; the first saves.
    assert first.post(url, {field: "Texte de la première", "version": 1}).status_code == 302
    response = second.post(url, {field: "Texte de la seconde", "version": 1})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Texte de la première" in html  # what was saved meanwhile, to compare
    assert "Texte de la seconde" in html  # what this person typed, kept in the form
    assert hidden_version(html, url) == "2"
    again = second.post(url, {field: "Les deux textes réunis", "version": 2})
    assert again.status_code == 302
    item.refresh_from_db()
    assert getattr(item, field) == "Les deux textes réunis" and item.version == 3


def test_after_a_conflict_on_a_case_presentation_theirs_is_shown_and_saving_again_works(
    personas, clinical, make_participant, schedule
):
    make_participant(second=None)
    meeting = schedule(clinical)[0]
    item = AgendaItem.objects.get(meeting=meeting, kind=ItemKind.PRESENTATION)
    url = reverse("committees:presentation", args=[meeting.public_id, item.pk])
    worker, coordinator = client_for(personas["worker_ccsmtl"]), client_for(personas["coordinator"])
    assert worker.post(url, {"status_summary": "Premier portrait"}).status_code == 302
    saved = {"status_summary": "Portrait revu par la coordination", "version": 1}
    assert coordinator.post(url, saved).status_code == 302
    mine = {"status_summary": "Premier portrait", "challenges": "Logement", "version": 1}
    response = worker.post(url, mine)
    assert response.status_code == 200
    html = response.content.decode()
    assert "data-saved-meanwhile" in html and "Portrait revu par la coordination" in html
    assert "Logement" in html
    assert re.search(r'name="version" value="(\d+)"', html).group(1) == "2"
    assert worker.post(url, {**mine, "version": 2}).status_code == 302
    item.presentation.refresh_from_db()
    assert item.presentation.challenges == "Logement" and item.presentation.version == 3


def test_a_member_who_may_only_read_the_file_cannot_write_its_presentation(
    personas, clinical, make_participant, schedule
):
    make_participant(second=None)  # shared with CODIM, followed by CCSMTL only
    meeting = schedule(clinical)[0]
    item = AgendaItem.objects.get(meeting=meeting, kind=ItemKind.PRESENTATION)
    url = reverse("committees:presentation", args=[meeting.public_id, item.pk])
    reader = client_for(personas["worker_codim"])
    assert reader.get(url).status_code == 200
    assert reader.post(url, {"status_summary": "Portrait"}).status_code == 404
    assert not hasattr(AgendaItem.objects.get(pk=item.pk), "presentation")
