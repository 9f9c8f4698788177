"""A person can list (and so remove) their security keys."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("persona", ["coordinator", "worker_codim", "administrator"])
def test_the_security_key_page_answers(login, personas, persona):
    response = login(personas[persona]).get(reverse("mfa_list_webauthn"))
    assert response.status_code == 200
