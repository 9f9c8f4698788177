"""The admin's password pages lead to allauth's, which is rate-limited."""

import pytest
from django.urls import reverse

from spheres.models import User
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_the_admin_password_change_page_sends_to_the_rate_limited_one(login, personas):
    client = login(personas["administrator"])
    for name in ("admin:password_change", "admin:password_change_done"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"] == reverse("account_change_password")


def test_guessing_the_old_password_through_the_admin_changes_nothing(login, personas):
    admin = personas["administrator"]
    client = login(admin)
    for guess in range(8):
        response = client.post(
            reverse("admin:password_change"),
            {
                "old_password": f"guess-{guess}",
                "new_password1": "Lune-violette-tambour-87",
                "new_password2": "Lune-violette-tambour-87",
            },
        )
        assert response.status_code == 302
    assert User.objects.get(pk=admin.pk).check_password(PASSWORD)


def test_allauths_password_change_is_rate_limited(login, personas):
    client = login(personas["administrator"])
    url = reverse("account_change_password")
    statuses = [
        client.post(
            url,
            {"oldpassword": f"guess-{i}", "password1": "x", "password2": "x"},
        ).status_code
        for i in range(7)
    ]
    assert 429 in statuses
