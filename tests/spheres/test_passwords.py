"""Passwords are judged by how an attacker would guess them, with the person's own name and
e-mail address as context; the common-password list still applies."""

import pytest
from django.urls import reverse

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def change_password(client, new):
    return client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": new, "password2": new},
    )


def errors(response):
    assert response.status_code == 200, "the password was accepted"
    return " ".join(response.context["form"].errors["password1"])


@pytest.mark.parametrize(
    "weak", ["aaaaaaaaaaaa", "qwertyuiop123", "123123123123abc", "abcdefghijklmn"]
)
def test_trivial_passwords_of_twelve_characters_or_more_are_refused(login, personas, weak):
    message = errors(change_password(login(personas["worker_codim"]), weak))
    assert "trop facile à deviner" in message


def test_the_persons_own_name_and_address_are_known_to_the_strength_check(login, personas):
    # An address scores 4 (strong) for zxcvbn without context, 0 with it. The page's user is
    # request.user, a lazy object whose __dict__ the library alone cannot read.
    user = personas["worker_codim"]
    message = errors(change_password(login(user), user.email))
    assert "trop facile à deviner" in message


def test_the_common_password_list_still_applies(login, personas):
    message = errors(change_password(login(personas["worker_codim"]), "password1234"))
    assert "trop courant" in message


def test_a_passphrase_is_accepted(login, personas):
    response = change_password(login(personas["worker_codim"]), "Lune-violette-tambour-87")
    assert response.status_code == 302
