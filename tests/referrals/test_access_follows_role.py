"""Access follows the current role, not a stale assignment: an assignment grants access only while
its worker is an active youth worker of an active organisation; revoking the role or deactivating
the organisation while the person holds open assignments is refused (the departure handover comes
first); deactivating an account is allowed, and the coordinator's home then lists the follow-ups
left without an active worker."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from followups import services as followup_services
from followups.home import PANEL_ROWS
from referrals import access, services
from referrals.models import Assignment, ConsentKind
from spheres import services as core_services
from spheres.models import Membership, MembershipRole, Organisation, ReadLogEntry, Role, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(make_participant):
    """Followed by worker_ccsmtl alone (youth worker and Clinical Committee member at CCSMTL);
    shared with CODIM only, so nothing but the assignment opens it to worker_ccsmtl."""
    return make_participant(share_with=("codim",), second=None)


def membership(user) -> Membership:
    return Membership.objects.get(user=user)


def hand_over_everything(departing, personas, successor="worker_codim"):
    """Every case to `successor`; where they already follow it, a new second keeps the pair."""
    successor = personas[successor]
    second = next(
        personas[name]
        for name in ("worker_enmarge", "worker_ccsmtl", "worker_codim")
        if personas[name] not in (departing, successor)
    )
    followed = set(
        Assignment.objects.filter(worker=successor, ended_at__isnull=True).values_list(
            "referral_id", flat=True
        )
    )
    followup_services.handover_perform(
        departing=departing,
        actor=personas["coordinator"],
        items=[
            (a, successor, "Résumé de transition.", second if a.referral_id in followed else None)
            for a in Assignment.objects.filter(worker=departing, ended_at__isnull=True)
        ],
    )


def test_a_revoked_worker_gets_404_on_a_file_still_assigned(case, personas, login):
    worker = personas["worker_ccsmtl"]
    url = reverse("referrals:participant_detail", args=[case.public_id])
    client = login(worker)
    assert client.get(url).status_code == 200
    # A state the services no longer produce (the role is gone, the assignment still open: data
    # from before this rule, or a change made outside the services). The policy holds on its own.
    MembershipRole.objects.filter(membership__user=worker, role=Role.YOUTH_WORKER).delete()
    assert Assignment.objects.filter(worker=worker, ended_at__isnull=True).exists()
    response = client.get(url)
    assert response.status_code == 404
    assert case.referral.last_name.encode() not in response.content
    assert ReadLogEntry.objects.filter(
        user=worker, action="denied", object_type="participant", object_id=case.pk
    ).exists()
    worker = User.objects.get(pk=worker.pk)  # roles are cached per request, on the object
    assert not access.participants_visible_to(worker).exists()
    assert not access.may_change(worker, case)


def test_a_revoked_worker_no_longer_opens_a_candidates_referral(
    make_referral, screen, personas, login
):
    referral = make_referral()
    screen(referral)
    worker = personas["worker_ccsmtl"]
    services.assignment_set(referral=referral, actor=personas["coordinator"], primary=worker)
    url = reverse("referrals:referral_detail", args=[referral.public_id])
    client = login(worker)
    assert client.get(url).status_code == 200
    MembershipRole.objects.filter(membership__user=worker, role=Role.YOUTH_WORKER).delete()
    assert client.get(url).status_code == 404


def test_revoking_the_role_with_open_assignments_is_refused_and_points_to_the_handover(
    case, personas
):
    worker = personas["worker_ccsmtl"]
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        core_services.membership_revoke_roles(
            membership=membership(worker), roles=[Role.YOUTH_WORKER]
        )
    assert "Departure of a worker" in exc.value.message_dict["roles"][0]
    assert Role.YOUTH_WORKER in membership(worker).roles.values_list("role", flat=True)
    assert access.may_change(worker, case)
    # Once the follow-ups are handed over, the role goes.
    hand_over_everything(worker, personas)
    core_services.membership_revoke_roles(membership=membership(worker), roles=[Role.YOUTH_WORKER])
    assert Role.YOUTH_WORKER not in set(membership(worker).roles.values_list("role", flat=True))


def test_other_roles_and_a_second_organisation_are_not_held_back(case, personas, organisations):
    worker = personas["worker_ccsmtl"]
    core_services.membership_revoke_roles(
        membership=membership(worker), roles=[Role.CLINICAL_COMMITTEE]
    )
    # A youth worker of another active organisation too keeps following the participant.
    core_services.membership_grant(
        user=worker, organisation=organisations["enmarge"], roles=[Role.YOUTH_WORKER]
    )
    first = Membership.objects.get(user=worker, organisation=organisations["ccsmtl"])
    core_services.membership_revoke_roles(membership=first, roles=[Role.YOUTH_WORKER])
    assert access.may_change(worker, case)


def test_deactivating_the_organisation_of_a_worker_with_assignments_is_refused(
    case, personas, organisations
):
    org = organisations["ccsmtl"]
    fields = {"name": org.name, "short_name": org.short_name, "sector": org.sector}
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        core_services.organisation_update(organisation=org, is_active=False, **fields)
    message = exc.value.message_dict["is_active"][0]
    assert "Departure of a worker" in message
    assert personas["worker_ccsmtl"].get_full_name() in message
    assert Organisation.objects.get(pk=org.pk).is_active
    hand_over_everything(personas["worker_ccsmtl"], personas)
    core_services.organisation_update(organisation=org, is_active=False, **fields)
    assert not Organisation.objects.get(pk=org.pk).is_active


def test_a_candidate_assignment_also_holds_the_role_back(make_referral, screen, personas):
    referral = make_referral()
    screen(referral)
    worker = personas["worker_enmarge"]
    services.assignment_set(referral=referral, actor=personas["coordinator"], primary=worker)
    with pytest.raises(ValidationError):
        core_services.membership_revoke_roles(
            membership=membership(worker), roles=[Role.YOUTH_WORKER]
        )
    # The handover moves candidates too.
    hand_over_everything(worker, personas)
    assert referral.assignments.get(ended_at__isnull=True).worker == personas["worker_codim"]
    core_services.membership_revoke_roles(membership=membership(worker), roles=[Role.YOUTH_WORKER])


def test_deactivating_an_account_is_allowed_and_the_coordinators_home_lists_what_is_left(
    case, make_participant, personas, login
):
    covered = make_participant()  # also followed by the CODIM worker: not left alone
    worker = personas["worker_ccsmtl"]
    core_services.user_deactivate(user=worker)
    assert not access.participants_visible_to(worker).exists()
    client = login(personas["coordinator"])
    html = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="followups-without-worker"' in html
    panel = html.split('id="followups-without-worker"', 1)[1]
    assert case.youth_id in panel and covered.youth_id not in panel
    handover = f"{reverse('followups:handover')}?worker={worker.pk}"
    assert handover in panel
    # The coordinator hands over from there; the home then lists nothing.
    assert client.get(handover).status_code == 200
    hand_over_everything(worker, personas)
    html = client.get(reverse("home")).content.decode()
    assert 'id="followups-without-worker"' not in html


def test_only_the_coordinator_sees_the_follow_ups_left_without_a_worker(case, personas, login):
    core_services.user_deactivate(user=personas["worker_ccsmtl"])
    for persona in ("worker_codim", "police", "steering", "administrator"):
        html = login(personas[persona]).get(reverse("home")).content.decode()
        assert 'id="followups-without-worker"' not in html
        assert case.youth_id not in html


@pytest.mark.parametrize("size", [3, 10, 11, 100])
def test_the_coordinators_home_stays_within_the_query_budget(
    size, bulk_participants, personas, login, django_assert_max_num_queries
):
    participants = bulk_participants(size)
    core_services.user_deactivate(user=personas["worker_ccsmtl"])
    client = login(personas["coordinator"])
    client.get(reverse("home"))  # once-per-process lookups out of the way
    # The panel, the figures that link to their lists (one query each) and the committees' panel.
    with django_assert_max_num_queries(17):
        html = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    # The first few, in youth-ID order; the attention list holds them all, a page at a time.
    shown = PANEL_ROWS
    ordered = sorted(participants, key=lambda p: (p.youth_id_year, p.youth_id_number))
    panel = html.split('id="followups-without-worker"', 1)[1]
    assert all(p.youth_id in panel for p in ordered[:shown])
    assert not any(p.youth_id in html for p in ordered[shown:])
    assert ("See every follow-up without an active worker" in panel) == (size > shown)
    # The figure counts them all, whether the panel holds them all (counted from its rows) or not.
    figure = html.split("?list=without_worker", 1)[1].split("tally-label", 1)[0]
    assert f'tally-count">{size}<' in figure
    attention = client.get(reverse("followups:attention"), {"list": "without_worker"})
    assert attention.context["page"].paginator.count == size


# --- From the administration pages ------------------------------------------------------------


def test_the_admin_refuses_to_deactivate_the_organisation_beside_the_field(
    case, personas, organisations, login
):
    org = organisations["ccsmtl"]
    client = login(personas["administrator"])
    url = reverse("admin:spheres_organisation_change", args=[org.pk])
    data = {"name": org.name, "short_name": org.short_name, "sector": org.sector}
    response = client.post(url, data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "Departure of a worker" in str(response.context["adminform"].form.errors["is_active"])
    assert Organisation.objects.get(pk=org.pk).is_active


def test_the_admin_revokes_roles_through_the_services(case, personas, login):
    worker = personas["worker_ccsmtl"]
    client = login(personas["administrator"])
    url = reverse("admin:spheres_membership_change", args=[membership(worker).pk])
    response = client.post(url, {"roles": [Role.CLINICAL_COMMITTEE]}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "Departure of a worker" in str(response.context["adminform"].form.errors["roles"])
    assert Role.YOUTH_WORKER in membership(worker).roles.values_list("role", flat=True)
    response = client.post(url, {"roles": [Role.YOUTH_WORKER]})
    assert response.status_code == 302
    assert set(membership(worker).roles.values_list("role", flat=True)) == {Role.YOUTH_WORKER}
    assert access.may_change(worker, case)
    assert case.consents.filter(kind=ConsentKind.PROGRAM).exists()


def test_the_permission_ids_kept_per_process_are_read_again_after_migrations(case, personas):
    """The access policy keeps the participant permissions' ids; migrations (or a test
    database's flush) may renumber them, so post_migrate makes it read them again."""
    from django.contrib.auth.models import Permission
    from django.core.management.sql import emit_post_migrate_signal

    worker = personas["worker_ccsmtl"]
    assert access.may_change(worker, case)
    change = Permission.objects.get(
        codename="change_participant", content_type__model="participant"
    )
    assert access._permission_ids["change_participant"] == change.pk
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    assert access._permission_ids == {}
    assert access.may_change(User.objects.get(pk=worker.pk), case)
    assert not access.may_change(personas["worker_codim"], case)
