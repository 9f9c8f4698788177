"""French (fr-CA) is the default language; English is one click away and stays chosen."""

import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.urls import reverse

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "fr" / "LC_MESSAGES" / "django.po"

# Python-format placeholders: %(name)s, %(count)d… (a literal "%%" is not a placeholder).
PLACEHOLDER = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")
HTML_LANG = re.compile(r'<html lang="([^"]+)"')


@pytest.fixture(scope="module")
def catalogue():
    return polib.pofile(str(CATALOGUE))


def _translations(entry):
    return list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]


def _html_lang(response):
    match = HTML_LANG.search(response.content.decode())
    assert match, "the page has no <html lang>"
    return match.group(1)


# --- The catalogue -------------------------------------------------------------------------------


def test_every_entry_of_the_french_catalogue_is_translated(catalogue):
    untranslated = [
        e.msgid
        for e in catalogue
        if not e.obsolete and not all(msgstr.strip() for msgstr in _translations(e))
    ]
    fuzzy = [e.msgid for e in catalogue if "fuzzy" in e.flags]
    assert untranslated == []
    assert fuzzy == []
    assert not catalogue.metadata_is_fuzzy
    assert catalogue.percent_translated() == 100


def test_the_catalogue_has_no_obsolete_entries(catalogue):
    assert [e.msgid for e in catalogue.obsolete_entries()] == []


def test_placeholders_are_the_same_in_french_and_in_english(catalogue):
    mismatched = []
    for entry in catalogue:
        for plural_index, msgstr in enumerate(_translations(entry)):
            msgid = entry.msgid_plural if entry.msgid_plural and plural_index else entry.msgid
            if sorted(PLACEHOLDER.findall(msgid)) != sorted(PLACEHOLDER.findall(msgstr)):
                mismatched.append((entry.msgid, msgstr))
            # Multi-line messages (e-mails) keep their line structure.
            if msgid.count("\n") != msgstr.count("\n"):
                mismatched.append((entry.msgid, msgstr))
    assert mismatched == []


# --- The pages -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_anonymous_visitor_gets_the_login_page_in_french(client):
    response = client.get(reverse("account_login"))  # no Accept-Language, no cookie
    assert response.status_code == 200
    assert _html_lang(response).startswith("fr")
    html = response.content.decode()
    assert "<title>Se connecter · Sphères</title>" in html
    assert "Se connecter" in html
    assert "Sign in" not in html


@pytest.mark.django_db
def test_the_home_page_is_in_french_until_the_person_chooses_english(login, personas):
    client = login(personas["coordinator"])

    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert _html_lang(response) == settings.LANGUAGE_CODE == "fr-ca"
    html = response.content.decode()
    assert "File des références" in html
    assert "Se déconnecter" in html
    assert "Referral queue" not in html

    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("home")})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"

    response = client.get(reverse("home"))
    assert _html_lang(response) == "en"
    html = response.content.decode()
    assert "Referral queue" in html
    assert "Sign out" in html
    assert "File des références" not in html

    # A later request (another page) remembers the choice through the cookie.
    response = client.get(reverse("invite"))
    assert response.status_code == 200
    assert _html_lang(response) == "en"
    assert "Send the invitation" in response.content.decode()


@pytest.mark.django_db
def test_the_invitation_form_explains_missing_fields_in_french(login, personas):
    client = login(personas["coordinator"])
    # Every field sent empty (an empty POST body would leave the form unbound in the view).
    empty = {"first_name": "", "last_name": "", "email": "", "organisation": "", "roles": []}
    response = client.post(reverse("invite"), empty)
    assert response.status_code == 200
    assert _html_lang(response).startswith("fr")
    html = response.content.decode()
    assert "Ce champ est obligatoire." in html  # Django's own French catalogue
    assert "Envoyer l’invitation" in html
    assert "This field is required." not in html
