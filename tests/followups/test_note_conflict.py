"""Two people save the same weekly note: the conflict screen shows every field that differs, and
saving again never drops a field the second person did not see (issue 10, item 1)."""

import datetime
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import reverse

from followups.models import WeeklyNote
from tests.followups.test_views import admitted_weeks_ago, this_monday

pytestmark = pytest.mark.django_db


class FormValues(HTMLParser):
    """The values a browser would submit from the page's note form (as it is rendered)."""

    def __init__(self):
        super().__init__()
        self.values: list[tuple[str, str]] = []
        self._textarea = None
        self._select = None
        self._in_form = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and a.get("method") == "post" and "/note/" in (a.get("action") or ""):
            self._in_form = True
        if not self._in_form:
            return
        if tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in {"checkbox", "radio"}:
                if "checked" in a:
                    self.values.append((a["name"], a.get("value", "on")))
            elif kind != "submit":
                self.values.append((a["name"], a.get("value") or ""))
        elif tag == "textarea":
            self._textarea = [a["name"], ""]
        elif tag == "select":
            self._select = a["name"]
        elif tag == "option" and self._select and "selected" in a:
            self.values.append((self._select, a.get("value", "")))

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "textarea" and self._textarea is not None:
            # A browser drops the newline right after <textarea>.
            self.values.append((self._textarea[0], self._textarea[1].removeprefix("\n")))
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "form":
            self._in_form = False


def form_values(html: str) -> dict:
    parser = FormValues()
    parser.feed(html)
    data: dict = {}
    for name, value in parser.values:
        data.setdefault(name, []).append(value)
    return data


def client_for(user):
    client = Client()
    client.force_login(user, backend="allauth.account.auth_backends.AuthenticationBackend")
    return client


@pytest.fixture
def week_note(make_participant, personas):
    """Last week's note of a participant followed by the CCSMTL and CODIM workers."""
    participant = admitted_weeks_ago(make_participant(), 8)
    week = this_monday() - datetime.timedelta(days=7)
    first = client_for(personas["worker_ccsmtl"])
    url = reverse("followups:note_edit", args=[participant.public_id]) + f"?week={week}"
    response = first.post(
        url,
        {
            "week": week.isoformat(),
            "meetings": "1",
            "meetings_duration": "1h",
            "activities_summary": "Rencontre au parc.",
            "other_information": "Rien de particulier.",
        },
    )
    assert response.status_code == 302
    return participant, url


def test_the_colleagues_change_survives_a_second_save_after_the_conflict(week_note, personas):
    participant, url = week_note
    a, b = client_for(personas["worker_codim"]), client_for(personas["worker_ccsmtl"])
    # Both open the saved note.
    form_a = form_values(a.get(url).content.decode())
    form_b = form_values(b.get(url).content.decode())

    # A changes "other relevant information" only, and saves.
    form_a["other_information"] = ["Hébergement trouvé chez une tante."]
    assert a.post(url, form_a).status_code == 302

    # B changes the summary only, and saves: conflict.
    form_b["activities_summary"] = ["Rencontre au parc, puis à la bibliothèque."]
    response = b.post(url, form_b)
    assert response.status_code == 200
    html = response.content.decode()
    rows = {row["name"]: row for row in response.context["conflict"]["rows"]}
    # Every differing field is listed, theirs beside mine, whoever changed it.
    assert set(rows) == {"other_information", "activities_summary"}
    assert rows["other_information"]["theirs"] == "Hébergement trouvé chez une tante."
    assert rows["other_information"]["mine"] == "Rien de particulier."
    assert rows["other_information"]["kept"] == "theirs"
    assert rows["activities_summary"]["kept"] == "mine"
    assert 'data-field="other_information"' in html and "Hébergement trouvé" in html

    # B follows the instruction and saves the form as it is now shown.
    again = form_values(html)
    assert again["other_information"] == ["Hébergement trouvé chez une tante."]
    assert again["activities_summary"] == ["Rencontre au parc, puis à la bibliothèque."]
    assert b.post(url, again).status_code == 302

    note = WeeklyNote.objects.get(participant=participant)
    assert note.other_information == "Hébergement trouvé chez une tante."  # A's change survived
    assert note.activities_summary == "Rencontre au parc, puis à la bibliothèque."
    assert note.version == 3


def test_a_field_both_changed_keeps_mine_in_the_form_and_shows_theirs(week_note, personas):
    participant, url = week_note
    a, b = client_for(personas["worker_codim"]), client_for(personas["worker_ccsmtl"])
    form_a = form_values(a.get(url).content.decode())
    form_b = form_values(b.get(url).content.decode())
    form_a.update(meetings=["2"], meetings_duration=["2h"], other_channels=["text"])
    assert a.post(url, form_a).status_code == 302

    form_b.update(meetings=["3"], meetings_duration=["3h"])
    response = b.post(url, form_b)
    assert response.status_code == 200
    rows = {row["name"]: row for row in response.context["conflict"]["rows"]}
    assert set(rows) == {"meetings", "meetings_minutes", "other_channels"}
    assert (rows["meetings"]["theirs"], rows["meetings"]["mine"]) == ("2", "3")
    assert (rows["meetings_minutes"]["theirs"], rows["meetings_minutes"]["mine"]) == (
        "2h00",
        "3h00",
    )
    assert rows["other_channels"]["kept"] == "theirs"
    assert rows["meetings"]["kept"] == "mine"
    again = form_values(response.content.decode())
    assert again["meetings"] == ["3"] and again["other_channels"] == ["text"]
    # Nothing was saved by the refused attempt.
    assert WeeklyNote.objects.get(participant=participant).meetings == 2


def test_changing_the_week_of_a_saved_note_moves_it_rather_than_copying_it(week_note, personas):
    participant, url = week_note
    worker = client_for(personas["worker_ccsmtl"])
    form = form_values(worker.get(url).content.decode())
    earlier = this_monday() - datetime.timedelta(days=14)
    form["week"] = [earlier.isoformat()]  # the date was wrong: it was the week before
    form["activities_summary"] = ["Rencontre au parc (semaine corrigée)."]
    assert worker.post(url, form).status_code == 302
    note = WeeklyNote.objects.get(participant=participant)  # one note, not two
    assert note.week == earlier and note.version == 2
    assert note.activities_summary == "Rencontre au parc (semaine corrigée)."


def test_a_note_is_not_moved_onto_a_week_that_has_its_own(week_note, personas):
    participant, url = week_note
    worker = client_for(personas["worker_ccsmtl"])
    earlier = this_monday() - datetime.timedelta(days=14)
    other_url = url.split("?")[0] + f"?week={earlier}"
    other = form_values(worker.get(other_url).content.decode())
    other["meetings"], other["meetings_duration"] = ["1"], ["30"]
    assert worker.post(other_url, other).status_code == 302
    form = form_values(worker.get(url).content.decode())
    form["week"] = [earlier.isoformat()]
    response = worker.post(url, form)
    assert response.status_code == 200
    assert "Cette semaine a déjà sa note" in response.content.decode()
    weeks = sorted(
        WeeklyNote.objects.filter(participant=participant).values_list("week", "version")
    )
    assert weeks == [(earlier, 1), (this_monday() - datetime.timedelta(days=7), 1)]
