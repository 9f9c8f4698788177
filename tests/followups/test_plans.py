"""Plans on the participant file: the five targeted needs evaluated with a note each, the safety
plan shown at the top of the file, and the healthy-living (life) plan's goals — each with its
history, under the file's access policy."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from followups import services
from followups.models import GoalStatus, LifePlanGoal, NeedsEvaluation, SafetyPlan
from spheres.models import ReadLogEntry

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate
DAY = datetime.timedelta(days=1)


@pytest.fixture
def participant(make_participant):
    """Followed by worker_ccsmtl alone; shared with CCSMTL and CODIM (read-only for CODIM)."""
    return make_participant(second=None)


def test_needs_are_evaluated_with_a_note_each_and_kept_over_time(participant, personas):
    worker = personas["worker_ccsmtl"]
    first = services.needs_evaluate(
        participant=participant,
        actor=worker,
        evaluated_on=TODAY() - 30 * DAY,
        emergency="Hébergement ce soir.",
        relationship="Isolée de sa famille.",
    )
    services.needs_evaluate(
        participant=participant,
        actor=worker,
        evaluated_on=TODAY(),
        stability="Logement trouvé; budget à faire.",
    )
    current, earlier = NeedsEvaluation.objects.filter(participant=participant)
    assert earlier == first and current.stability.startswith("Logement")
    with translation.override("fr"):
        assert [str(label) for label, _note in current.notes()] == [
            "Urgence",
            "Stabilité",
            "Participation",
            "Rétablissement",
            "Relation",
        ]


def test_a_needs_evaluation_must_say_something_and_not_be_in_the_future(participant, personas):
    worker = personas["worker_ccsmtl"]
    with pytest.raises(ValidationError):
        services.needs_evaluate(
            participant=participant, actor=worker, evaluated_on=TODAY(), emergency="  "
        )
    with pytest.raises(ValidationError) as exc:
        services.needs_evaluate(
            participant=participant, actor=worker, evaluated_on=TODAY() + DAY, emergency="x"
        )
    assert "evaluated_on" in exc.value.error_dict
    assert not NeedsEvaluation.objects.exists()


def test_the_safety_plan_keeps_its_versions_with_author_and_review_dates(participant, personas):
    services.safety_plan_save(
        participant=participant,
        actor=personas["worker_ccsmtl"],
        text="Appeler sa tante; refuge En Marge 24/7.",
        reviewed_on=TODAY() - 40 * DAY,
        next_review_on=TODAY() - 10 * DAY,
    )
    services.safety_plan_save(
        participant=participant,
        actor=personas["coordinator"],
        text="Appeler sa tante; refuge En Marge 24/7; code convenu avec l'intervenante.",
        reviewed_on=TODAY(),
        next_review_on=TODAY() + 30 * DAY,
    )
    current, earlier = SafetyPlan.objects.filter(participant=participant)
    assert current.author == personas["coordinator"] and "code convenu" in current.text
    assert earlier.author == personas["worker_ccsmtl"]


def test_a_safety_plan_review_date_must_come_after_the_last_review(participant, personas):
    with pytest.raises(ValidationError) as exc:
        services.safety_plan_save(
            participant=participant,
            actor=personas["worker_ccsmtl"],
            text="Plan",
            reviewed_on=TODAY(),
            next_review_on=TODAY(),
        )
    assert "next_review_on" in exc.value.error_dict
    assert not SafetyPlan.objects.exists()


def test_life_plan_goals_move_through_their_statuses_with_history(participant, personas):
    worker = personas["worker_ccsmtl"]
    goal = services.life_plan_goal_add(
        participant=participant,
        actor=worker,
        goal="Retourner à l'école",
        set_on=TODAY() - 20 * DAY,
        target_on=TODAY() + 100 * DAY,
    )
    assert goal.status == GoalStatus.OPEN
    services.life_plan_goal_update(
        participant=participant,
        actor=worker,
        goal=goal,
        status=GoalStatus.IN_PROGRESS,
        changed_on=TODAY() - 5 * DAY,
    )
    services.life_plan_goal_update(
        participant=participant,
        actor=worker,
        goal=goal,
        status=GoalStatus.REACHED,
        changed_on=TODAY(),
        note="Inscrite au CFP.",
    )
    goal.refresh_from_db()
    assert (goal.status, goal.status_changed_on) == (GoalStatus.REACHED, TODAY())
    assert list(goal.changes.values_list("from_status", "to_status")) == [
        ("", "open"),
        ("open", "in_progress"),
        ("in_progress", "reached"),
    ]


def test_goal_changes_that_make_no_sense_are_refused(participant, personas):
    worker = personas["worker_ccsmtl"]
    goal = services.life_plan_goal_add(
        participant=participant, actor=worker, goal="Permis de conduire", set_on=TODAY()
    )
    for status, day, field in (
        (GoalStatus.OPEN, TODAY(), "status"),
        (GoalStatus.DROPPED, TODAY() - DAY, "changed_on"),
        (GoalStatus.DROPPED, TODAY() + DAY, "changed_on"),
    ):
        with pytest.raises(ValidationError) as exc:
            services.life_plan_goal_update(
                participant=participant, actor=worker, goal=goal, status=status, changed_on=day
            )
        assert field in exc.value.error_dict
    with pytest.raises(ValidationError) as exc:
        services.life_plan_goal_add(
            participant=participant,
            actor=worker,
            goal="x",
            set_on=TODAY(),
            target_on=TODAY() - DAY,
        )
    assert "target_on" in exc.value.error_dict
    assert LifePlanGoal.objects.count() == 1 and goal.changes.count() == 1


@pytest.mark.parametrize("persona", ["worker_codim", "worker_enmarge", "police"])
def test_only_the_coordinator_and_assigned_workers_write_the_plans(participant, personas, persona):
    with pytest.raises(PermissionDenied):
        services.safety_plan_save(
            participant=participant,
            actor=personas[persona],
            text="Plan",
            reviewed_on=TODAY(),
            next_review_on=TODAY() + DAY,
        )
    assert not SafetyPlan.objects.exists()


# --- The pages ---------------------------------------------------------------------------------


def test_the_safety_plan_is_at_the_top_of_the_file_for_everyone_who_sees_it(
    participant, personas, login
):
    services.safety_plan_save(
        participant=participant,
        actor=personas["worker_ccsmtl"],
        text="Appeler sa tante au 514-555-0123.",
        reviewed_on=TODAY() - 60 * DAY,
        next_review_on=TODAY() - DAY,
    )
    url = reverse("referrals:participant_detail", args=[participant.public_id])
    for persona in ("worker_ccsmtl", "worker_codim", "coordinator"):
        html = login(personas[persona]).get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        main = html.split("<main", 1)[1]
        assert main.index('id="safety-plan"') < main.index('id="identity-h"')
        assert "Appeler sa tante au 514-555-0123." in main
        assert "Review overdue" in main
    outsider = login(personas["worker_enmarge"]).get(url)
    assert outsider.status_code == 404
    assert b"Appeler sa tante" not in outsider.content


def test_plans_are_written_from_the_pages_and_refused_beside_the_field(
    participant, personas, login
):
    client = login(personas["worker_ccsmtl"])
    pid = participant.public_id
    url = reverse("followups:safety_plan_edit", args=[pid])
    same_day = {"reviewed_on": TODAY().isoformat(), "next_review_on": TODAY().isoformat()}
    response = client.post(url, {"text": "", **same_day})
    assert response.status_code == 200 and response.context["form"].errors["text"]
    response = client.post(url, {"text": "Appeler sa tante.", **same_day})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "après" in errors["next_review_on"][0]  # in French, beside the field
    assert response.context["form"]["text"].value() == "Appeler sa tante."  # kept
    assert not SafetyPlan.objects.exists()
    response = client.post(
        reverse("followups:needs_evaluate", args=[pid]),
        {"evaluated_on": TODAY().isoformat(), "recovery": "Suivi en dépendance."},
    )
    assert response.status_code == 302
    response = client.post(
        reverse("followups:goal_add", args=[pid]),
        {"goal": "Ouvrir un compte bancaire", "set_on": TODAY().isoformat()},
    )
    assert response.status_code == 302
    goal = LifePlanGoal.objects.get()
    page = client.get(reverse("followups:goal_update", args=[pid, goal.pk])).content.decode()
    # The goal's words are on the page, not in the window's title (browser history, tabs).
    assert "Ouvrir un compte bancaire" in page
    assert "Ouvrir un compte" not in page.split("<title>")[1].split("</title>")[0]
    response = client.post(
        reverse("followups:goal_update", args=[pid, goal.pk]),
        {"status": "in_progress", "changed_on": TODAY().isoformat()},
    )
    assert response.status_code == 302
    html = client.get(reverse("followups:plans", args=[pid])).content.decode()
    assert "Suivi en dépendance." in html and "Ouvrir un compte bancaire" in html
    file_html = client.get(reverse("referrals:participant_detail", args=[pid])).content.decode()
    assert "Suivi en dépendance." in file_html and "Ouvrir un compte bancaire" in file_html


def test_plan_pages_follow_the_file_access_policy(participant, personas, login):
    pid = participant.public_id
    goal = services.life_plan_goal_add(
        participant=participant, actor=personas["worker_ccsmtl"], goal="But", set_on=TODAY()
    )
    read = reverse("followups:plans", args=[pid])
    writes = [
        reverse("followups:needs_evaluate", args=[pid]),
        reverse("followups:safety_plan_edit", args=[pid]),
        reverse("followups:goal_add", args=[pid]),
        reverse("followups:goal_update", args=[pid, goal.pk]),
    ]
    # persona -> (may read, may write)
    matrix = {
        "coordinator": (True, True),
        "worker_ccsmtl": (True, True),
        "worker_codim": (True, False),
        "worker_enmarge": (False, False),
        "steering": (False, False),
        "researcher": (False, False),
    }
    for persona, (may_read, may_write) in matrix.items():
        client = login(personas[persona])
        assert client.get(read).status_code == (200 if may_read else 404), persona
        for url in writes:
            assert client.get(url).status_code == (200 if may_write else 404), (persona, url)
        denied = ReadLogEntry.objects.filter(user=personas[persona], action="denied").count()
        assert denied == (0 if may_write else (4 if may_read else 5)), persona
