"""Shared workstations: no browser autofill history of candidates' identities or name searches."""

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

INPUT = re.compile(r"<(?:input|select|textarea)\b[^>]*>")


def inputs(html, names):
    found = {}
    for tag in INPUT.findall(html):
        name = re.search(r'name="([^"]+)"', tag)
        if name and name.group(1) in names:
            found[name.group(1)] = tag
    return found


IDENTITY = {
    "first_name", "last_name", "preferred_name", "date_of_birth", "phone", "email",
    "other_contact", "residence_area", "gender_identity", "languages",
}  # fmt: skip


@pytest.mark.parametrize("url_name", ["referrals:referral_create", "referrals:referral_submit"])
def test_identity_fields_are_kept_out_of_autofill(login, personas, url_name):
    html = login(personas["coordinator"]).get(reverse(url_name)).content.decode()
    tags = inputs(html, IDENTITY)
    assert set(tags) == IDENTITY
    for name, tag in tags.items():
        assert 'autocomplete="off"' in tag, name


def test_the_identity_page_of_a_participant_too(login, personas, make_participant):
    participant = make_participant()
    url = reverse("referrals:participant_identity", args=[participant.public_id])
    html = login(personas["coordinator"]).get(url).content.decode()
    tags = inputs(html, IDENTITY)
    assert tags and all('autocomplete="off"' in tag for tag in tags.values())


def test_the_name_search_is_kept_out_of_autofill(login, personas):
    client = login(personas["coordinator"])
    html = client.get(reverse("referrals:participant_list")).content.decode()
    assert 'autocomplete="off"' in inputs(html, {"q"})["q"]
