"""Hours per week live on the membership: administrators set them in the admin, the dashboard
sets caseloads against them."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from spheres import services

pytestmark = pytest.mark.django_db


def test_an_administrator_sets_a_workers_hours_in_the_admin(login, personas):
    membership = personas["worker_codim"].memberships.get()
    client = login(personas["administrator"])
    url = reverse("admin:spheres_membership_change", args=[membership.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "hours_per_week": "28",
            "roles-TOTAL_FORMS": "2",
            "roles-INITIAL_FORMS": "2",
            "roles-MIN_NUM_FORMS": "0",
            "roles-MAX_NUM_FORMS": "1000",
            **{
                f"roles-{k}-id": str(role.pk)
                for k, role in enumerate(membership.roles.order_by("pk"))
            },
            **{f"roles-{k}-membership": str(membership.pk) for k in range(2)},
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    membership.refresh_from_db()
    assert membership.hours_per_week == 28


def test_hours_beyond_a_working_week_are_refused(personas):
    membership = personas["worker_codim"].memberships.get()
    with pytest.raises(ValidationError):
        services.membership_set_hours(membership=membership, hours_per_week=120)


def test_only_administrators_and_the_coordinator_set_hours(personas):
    membership = personas["worker_codim"].memberships.get()
    services.membership_set_hours(
        membership=membership, hours_per_week=30, actor=personas["coordinator"]
    )
    with pytest.raises(PermissionDenied):
        services.membership_set_hours(
            membership=membership, hours_per_week=35, actor=personas["steering"]
        )
    membership.refresh_from_db()
    assert membership.hours_per_week == 30
