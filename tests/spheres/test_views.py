"""Home per role, navigation, invitation page, error pages, health check."""

import pytest
from django.core import mail
from django.urls import reverse

from spheres.models import User

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("persona", "expected", "absent"),
    [
        (
            "coordinator",
            [
                "Referral queue",
                "Invite a person",
                "Research export",
                "Export register",
                "New referrals",
                "Notes missing last week",
            ],
            ["Program dashboard", "Coming soon", "This week's notes"],
        ),
        (
            "worker_codim",
            ["My caseload", "This week&#x27;s notes still to write", "Breaks ending soon"],
            ["Referral queue", "Invite a person", "Coming soon"],
        ),
        ("police", ["Participants", "Refer a candidate"], ["My caseload", "Coming soon"]),
        (
            "steering",
            ["Refer a candidate", "Program dashboard"],
            ["My caseload", "Referral queue", "Research export", "Coming soon"],
        ),
        (
            "researcher",
            ["My referrals", "Research export"],
            ["My caseload", "Referral queue", "Coming soon"],
        ),
        ("administrator", ["Organisations and accounts"], ["My caseload", "Referral queue"]),
    ],
)
def test_each_role_has_its_own_home(login, personas, persona, expected, absent, settings):
    settings.LANGUAGE_CODE = "en"
    client = login(personas[persona])
    response = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en")
    text = response.content.decode()
    for label in expected:
        assert label in text
    for label in absent:
        assert label not in text


def test_navigation_shows_only_what_the_role_may_use(login, personas):
    nav = (
        login(personas["worker_codim"])
        .get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en")
        .context["nav_links"]
    )
    assert [link["url"] for link in nav] == [
        reverse(name)
        for name in (
            "home",
            "followups:caseload",
            "referrals:participant_list",
            "research:dashboard",
            "committees:committee_list",
            "referrals:referral_submit",
            "referrals:my_referrals",
            "followups:notifications",
        )
    ]
    nav = login(personas["steering"]).get(reverse("home")).context["nav_links"]
    assert reverse("referrals:participant_list") not in [link["url"] for link in nav]
    nav = (
        login(personas["administrator"])
        .get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en")
        .context["nav_links"]
    )
    assert reverse("admin:index") in [link["url"] for link in nav]


@pytest.mark.parametrize("persona", ["worker_codim", "police", "steering", "researcher"])
def test_only_coordinator_and_administrators_reach_the_invitation_page(login, personas, persona):
    response = login(personas[persona]).get(reverse("invite"))
    assert response.status_code == 403


def test_the_invitation_form_keeps_what_was_typed_and_explains_errors(
    login, personas, organisations
):
    client = login(personas["coordinator"])
    response = client.post(
        reverse("invite"),
        {
            "first_name": "Sam",
            "last_name": "",
            "email": "not-an-email",
            "organisation": organisations["codim"].pk,
            "roles": ["youth_worker"],
        },
        HTTP_ACCEPT_LANGUAGE="fr-ca",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="Sam"' in html
    assert 'aria-invalid="true"' in html
    assert 'aria-describedby="id_email_error"' in html
    assert 'id="id_email_error"' in html
    assert "Ce champ est obligatoire." in html  # French by default
    assert User.objects.count() == len(personas)
    assert mail.outbox == []


def test_the_coordinator_is_not_offered_the_administrator_role(login, personas):
    html = login(personas["coordinator"]).get(reverse("invite")).content.decode()
    assert 'value="administrator"' not in html
    html = login(personas["administrator"]).get(reverse("invite")).content.decode()
    assert 'value="administrator"' in html


def test_the_invitation_page_creates_the_account(
    login, personas, organisations, django_capture_on_commit_callbacks
):
    client = login(personas["coordinator"])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(
            reverse("invite"),
            {
                "first_name": "Sam",
                "last_name": "Roy",
                "email": "sam.roy@example.org",
                "organisation": organisations["codim"].pk,
                "roles": ["youth_worker", "clinical_committee"],
            },
        )
    assert response.status_code == 302
    user = User.objects.get(email="sam.roy@example.org")
    assert not user.has_usable_password()
    assert len(callbacks) == 1  # the invitation e-mail is queued after commit


def test_a_duplicate_email_is_refused_beside_the_field(login, personas, organisations):
    client = login(personas["coordinator"])
    response = client.post(
        reverse("invite"),
        {
            "first_name": "Sam",
            "last_name": "Roy",
            "email": personas["worker_codim"].email,
            "organisation": organisations["codim"].pk,
            "roles": ["youth_worker"],
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert response.context["form"].errors["email"]


def test_the_404_page_reveals_nothing(login, personas):
    response = login(personas["coordinator"]).get("/no/such/page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Traceback" not in html and "urlpatterns" not in html
    assert '<html lang="fr-ca">' in html and "Page introuvable" in html  # in French


def test_the_500_page_reveals_nothing(rf):
    from django.views.defaults import server_error

    response = server_error(rf.get("/"))
    assert response.status_code == 500
    assert b"Traceback" not in response.content
    assert "Une erreur est survenue" in response.content.decode()


def test_healthz_reports_database_and_broker(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "broker": "ok"}


def test_healthz_fails_when_the_broker_is_down(client):
    from spheres.celery import app

    saved = app.conf.broker_url, app.conf.broker_write_url
    # Nothing listens on port 1.
    app.conf.broker_url = app.conf.broker_write_url = "redis://127.0.0.1:1/0"
    try:
        response = client.get(reverse("healthz"))
    finally:
        app.conf.broker_url, app.conf.broker_write_url = saved
    assert response.status_code == 503
    assert response.json() == {"database": "ok", "broker": "error"}
