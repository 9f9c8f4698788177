"""Finding people and referrals (issue 10, item 8): a search that ignores accents and case, closed
referrals findable from the queue, and a referral corrected before admission with its history."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from followups.bulk import Admission, participants_admit_bulk
from referrals import services
from referrals.models import Referral, ReferralStatus
from referrals.rules import search_key
from tests.referrals.conftest import years_ago

pytestmark = pytest.mark.django_db


def test_the_search_key_drops_accents_case_and_extra_spaces():
    assert search_key("  Zoé ", "LÉVESQUE-Côté", "Ève") == "zoe levesque-cote eve"
    assert search_key("Maëlle", "Ñúñez", "Œuvre") == "maelle nunez œuvre"


@pytest.fixture
def zoe(make_referral, screen, admit, personas):
    referral = make_referral(first_name="Zoé", last_name="Lévesque", preferred_name="Zo")
    screen(referral)
    participant = admit(referral)
    services.assignment_set(
        participant=participant, actor=personas["coordinator"], primary=personas["worker_ccsmtl"]
    )
    return participant


@pytest.mark.parametrize(
    "typed", ["zoe", "Zoé", "ZOE", "levesque", "LÉVESQUE", "zoe levesque", "Lévesque Zoé", "évesq"]
)
def test_the_participant_search_finds_names_with_or_without_accents(zoe, personas, login, typed):
    client = login(personas["worker_ccsmtl"])
    response = client.post(reverse("referrals:participant_list"), {"q": typed})
    assert [p.pk for p in response.context["participants"]] == [zoe.pk]


@pytest.mark.parametrize("typed", ["zoey", "chloe", "zoe tremblay"])
def test_the_search_does_not_find_other_names(zoe, personas, login, typed):
    response = login(personas["coordinator"]).post(
        reverse("referrals:participant_list"), {"q": typed}
    )
    assert list(response.context["participants"]) == []


def test_the_search_still_finds_youth_ids(zoe, personas, login):
    response = login(personas["coordinator"]).post(
        reverse("referrals:participant_list"), {"q": zoe.youth_id}
    )
    assert [p.pk for p in response.context["participants"]] == [zoe.pk]


def test_the_search_never_shows_someone_elses_participant(zoe, personas, login):
    response = login(personas["worker_enmarge"]).post(
        reverse("referrals:participant_list"), {"q": "zoe"}
    )
    assert list(response.context["participants"]) == []


def test_participants_from_the_bulk_path_are_searchable(personas, login):
    from django.utils import timezone

    today = timezone.localdate()
    participants_admit_bulk(
        rows=[
            Admission(
                referral={
                    "first_name": "Héloïse",
                    "last_name": "Bélanger",
                    "date_of_birth": years_ago(16),
                    "reasons": "-",
                    "referrer_name": "-",
                    "referrer_contact": "-",
                },
                screening={
                    "screened_on": today,
                    "lives_in_area": True,
                    "recognises_harms": True,
                    "stage_of_change": "contemplation",
                },
                admitted_on=today,
                primary=personas["worker_ccsmtl"],
                consent_place="Montréal",
            )
        ],
        actor=personas["coordinator"],
    )
    assert Referral.objects.get().search_text == "heloise belanger"
    response = login(personas["coordinator"]).post(
        reverse("referrals:participant_list"), {"q": "heloise"}
    )
    assert len(response.context["participants"]) == 1


def test_an_identity_update_keeps_the_search_current(zoe, personas):
    services.referral_update_identity(
        referral=zoe.referral, actor=personas["coordinator"], last_name="Côté"
    )
    zoe.referral.refresh_from_db()
    assert zoe.referral.search_text == "zoe cote zo"


def test_an_identity_update_with_a_future_date_of_birth_is_refused_by_the_service(zoe, personas):
    """The identity form refuses it too; the service does not rely on it."""
    born = zoe.referral.date_of_birth
    with pytest.raises(ValidationError) as refused:
        services.referral_update_identity(
            referral=zoe.referral,
            actor=personas["coordinator"],
            date_of_birth=timezone.localdate() + datetime.timedelta(days=1),
        )
    assert "date_of_birth" in refused.value.message_dict
    zoe.refresh_from_db()
    zoe.referral.refresh_from_db()
    assert zoe.referral.date_of_birth == born
    assert zoe.date_of_birth == born


# --- Closed referrals --------------------------------------------------------------------------


def test_closed_referrals_are_findable_from_the_queue(make_referral, personas, login):
    closed = make_referral()
    services.referral_set_status(
        referral=closed,
        to_status=ReferralStatus.REFERRED_ELSEWHERE,
        actor=personas["coordinator"],
        reason="Suivie par un autre programme.",
    )
    still_open = make_referral()
    client = login(personas["coordinator"])
    default = client.get(reverse("referrals:referral_queue"))
    assert [r.pk for r in default.context["referrals"]] == [still_open.pk]
    response = client.get(reverse("referrals:referral_queue"), {"status": "closed"})
    assert [r.pk for r in response.context["referrals"]] == [closed.pk]
    html = response.content.decode()
    assert 'href="?status=closed"' in html
    assert reverse("referrals:referral_detail", args=[closed.public_id]) in html


# --- Correcting a referral before admission ----------------------------------------------------


def test_the_coordinator_corrects_a_referral_and_the_history_shows_it(
    make_referral, personas, login
):
    referral = make_referral(first_name="Zoe", last_name="Levesque")
    client = login(personas["coordinator"])
    url = reverse("referrals:referral_edit", args=[referral.public_id])
    form = client.get(url).context["form"]
    data = {
        name: ("" if value is None else getattr(value, "pk", value))
        for name, value in form.initial.items()
    }
    data.update(first_name="Zoé", last_name="Lévesque", date_of_birth=referral.date_of_birth)
    response = client.post(url, data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302, response.context["form"].errors
    referral.refresh_from_db()
    assert (referral.first_name, referral.last_name) == ("Zoé", "Lévesque")
    assert referral.search_text.startswith("zoe levesque")

    html = client.get(
        reverse("referrals:referral_detail", args=[referral.public_id]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert 'id="corrections"' in html
    assert "Zoe → Zoé" in html and "Levesque → Lévesque" in html
    assert personas["coordinator"].get_full_name() in html


def test_an_admitted_referral_is_corrected_from_the_file_not_here(zoe, personas):
    with pytest.raises(ValidationError):
        services.referral_correct(
            referral=zoe.referral, actor=personas["coordinator"], first_name="Chloé"
        )
    zoe.referral.refresh_from_db()
    assert zoe.referral.first_name == "Zoé"


@pytest.mark.parametrize("persona", ["worker_ccsmtl", "police", "steering"])
def test_only_the_coordinator_corrects_a_referral(make_referral, personas, login, persona):
    referral = make_referral(first_name="Zoe")
    with pytest.raises(PermissionDenied):
        services.referral_correct(referral=referral, actor=personas[persona], first_name="X")
    url = reverse("referrals:referral_edit", args=[referral.public_id])
    assert login(personas[persona]).post(url, {"first_name": "X"}).status_code == 404
    referral.refresh_from_db()
    assert referral.first_name == "Zoe"
