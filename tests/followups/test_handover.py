"""Departure of a youth worker: every follow-up moves to a successor with a transition summary, in
one transaction that also moves the access (DOMAIN.md: Departure of a youth worker)."""

import datetime
import re

import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from followups import selectors, services
from followups.models import Handover, HandoverItem, WeeklyNote
from referrals import access
from referrals import selectors as referral_selectors
from referrals import services as referral_services
from referrals.models import Assignment
from spheres import services as core_services
from spheres.models import Notification, Role
from spheres.selectors import roles_of

pytestmark = pytest.mark.django_db


def active_assignments():
    return set(
        Assignment.objects.filter(ended_at__isnull=True).values_list(
            "participant_id", "worker_id", "role"
        )
    )


@pytest.fixture
def departing(personas):
    """The En Marge worker leaves. Their organisation is named in no sharing consent, so every
    file they see, they see because they are assigned to it."""
    return personas["worker_enmarge"]


@pytest.fixture
def cases(make_participant, personas):
    """Three follow-ups of the departing worker:
    - paired: primary with the CODIM worker as second;
    - alone: primary, no second worker;
    - second: second worker beside the CODIM worker (primary)."""
    paired = make_participant(primary="worker_enmarge", second="worker_codim")
    alone = make_participant(primary="worker_enmarge", second=None)
    second = make_participant(primary="worker_codim", second="worker_enmarge")
    for participant in (paired, alone, second):
        participant.admitted_on = timezone.localdate() - datetime.timedelta(days=30)
        participant.save()
    return {"paired": paired, "alone": alone, "second": second}


def items_for(departing, choose):
    """(assignment, successor, summary) for each active assignment of the departing worker."""
    return [
        (a, *choose(a))
        for a in Assignment.objects.filter(worker=departing, ended_at__isnull=True).select_related(
            "participant"
        )
    ]


def test_every_follow_up_moves_to_its_successor_with_the_access(cases, personas, departing):
    codim, ccsmtl = personas["worker_codim"], personas["worker_ccsmtl"]
    successor = {
        cases["paired"].pk: codim,  # the second worker already on the case steps up...
        cases["alone"].pk: ccsmtl,
        cases["second"].pk: ccsmtl,
    }
    new_second = {cases["paired"].pk: ccsmtl}  # ...and the coordinator names a new second
    for participant in cases.values():
        assert access.may_change(departing, participant)
    assert not access.may_change(ccsmtl, cases["alone"])

    handover = services.handover_perform(
        departing=departing,
        actor=personas["coordinator"],
        items=items_for(
            departing,
            lambda a: (
                successor[a.participant_id],
                f"Résumé de transition {a.participant_id}.",
                new_second.get(a.participant_id),
            ),
        ),
    )

    assert not Assignment.objects.filter(worker=departing, ended_at__isnull=True).exists()
    assert active_assignments() == {
        # Every pair is still a pair.
        (cases["paired"].pk, codim.pk, "primary"),
        (cases["paired"].pk, ccsmtl.pk, "second"),
        (cases["alone"].pk, ccsmtl.pk, "primary"),
        (cases["second"].pk, codim.pk, "primary"),
        (cases["second"].pk, ccsmtl.pk, "second"),
    }
    ended = Assignment.objects.filter(worker=departing)
    with translation.override(settings.LANGUAGE_CODE):  # stored in the program's language
        assert {a.end_reason for a in ended} == {gettext("Departure of a youth worker")}
    assert {a.ended_by_id for a in ended} == {personas["coordinator"].pk}

    # The permissions moved in the same step.
    assert not access.participants_visible_to(departing).exists()
    assert not access.participants_changeable_by(departing).exists()
    for participant in cases.values():
        assert not access.may_change(departing, participant)
        assert access.may_change(successor[participant.pk], participant)
    assert set(access.participants_changeable_by(ccsmtl).values_list("pk", flat=True)) == {
        cases["paired"].pk,
        cases["alone"].pk,
        cases["second"].pk,
    }

    # The summaries are kept for the Clinical Committee.
    items = {i.participant_id: i for i in handover.items.all()}
    assert set(items) == set(successor)
    assert items[cases["paired"].pk].summary == f"Résumé de transition {cases['paired'].pk}."
    assert (items[cases["second"].pk].successor, items[cases["second"].pk].role) == (
        ccsmtl,
        "second",
    )
    assert (handover.departing, handover.performed_by) == (departing, personas["coordinator"])
    assert list(selectors.handovers_since(handover.performed_at)) == sorted(
        handover.items.all(), key=lambda i: i.pk
    )


def test_a_successor_already_on_the_case_needs_a_new_second_worker(cases, personas, departing):
    before = active_assignments()
    with pytest.raises(ValidationError) as exc:
        services.handover_perform(
            departing=departing,
            actor=personas["coordinator"],
            items=items_for(departing, lambda a: (personas["worker_codim"], "Résumé.")),
        )
    # "paired" (CODIM is its second) and "second" (CODIM is its primary) would lose their pair.
    assert set(exc.value.error_dict) == {
        f"second_{cases['paired'].public_id.hex}",
        f"second_{cases['second'].public_id.hex}",
    }
    assert active_assignments() == before
    assert not Handover.objects.exists()


def test_a_new_second_worker_is_refused_where_the_pair_is_already_kept(cases, personas, departing):
    with pytest.raises(ValidationError) as exc:
        services.handover_perform(
            departing=departing,
            actor=personas["coordinator"],
            items=items_for(
                departing,
                lambda a: (personas["worker_ccsmtl"], "Résumé.", personas["worker_codim"]),
            ),
        )
    # "alone" had no second: naming one is welcome. The others keep CODIM beside the successor.
    assert set(exc.value.error_dict) == {
        f"second_{cases['paired'].public_id.hex}",
        f"second_{cases['second'].public_id.hex}",
    }


def test_successors_are_told_and_the_departed_worker_is_no_longer_a_youth_worker(
    cases, personas, departing, eager_tasks
):
    codim, ccsmtl = personas["worker_codim"], personas["worker_ccsmtl"]
    with eager_tasks():
        services.handover_perform(
            departing=departing,
            actor=personas["coordinator"],
            items=items_for(
                departing,
                lambda a: (
                    (ccsmtl, "Résumé.", None)
                    if a.participant_id != cases["alone"].pk
                    else (codim, "Résumé.", None)
                ),
            ),
        )
    notices = set(
        Notification.objects.filter(kind=Notification.Kind.HANDOVER).values_list(
            "recipient_id", "participant_id"
        )
    )
    assert notices == {
        (ccsmtl.pk, cases["paired"].pk),
        (ccsmtl.pk, cases["second"].pk),
        (codim.pk, cases["alone"].pk),
    }
    # One e-mail per successor, with how many and a link, never who.
    assert sorted(m.to[0] for m in mail.outbox) == sorted([ccsmtl.email, codim.email])
    for message in mail.outbox:
        for participant in cases.values():
            assert participant.youth_id not in message.body
            assert participant.referral.last_name not in message.body
    # The departed worker gave back the roles that open files: never suggested or offered again.
    assert not ({Role.YOUTH_WORKER, Role.CLINICAL_COMMITTEE} & roles_of(departing, fresh=True))
    assert departing.pk not in {w.pk for w in referral_selectors.youth_workers_with_caseload()}
    assert departing.pk not in {w.pk for w in selectors.successors_for(personas["worker_codim"])}


def test_notes_written_by_the_departing_worker_stay_theirs(cases, personas, departing):
    note = services.note_save(
        participant=cases["paired"],
        actor=departing,
        week=timezone.localdate() - datetime.timedelta(days=7),
        meetings=1,
        meetings_minutes=60,
        activities_summary="Dernière rencontre avant mon départ.",
    )
    services.handover_perform(
        departing=departing,
        actor=personas["coordinator"],
        items=items_for(departing, lambda a: (personas["worker_ccsmtl"], "Résumé.")),
    )
    note.refresh_from_db()
    assert note.author == departing
    assert WeeklyNote.objects.filter(author=departing).count() == 1


@pytest.mark.parametrize("fault", ["summary", "nothing", "moved meanwhile", "twice"])
def test_an_incomplete_or_stale_handover_changes_nothing(cases, personas, departing, fault):
    before = active_assignments()
    items = items_for(departing, lambda a: (personas["worker_ccsmtl"], "Résumé."))
    if fault == "summary":
        assignment, successor, _summary = items[1]
        items[1] = (assignment, successor, "   ")
    elif fault == "nothing":
        items = []
    elif fault == "moved meanwhile":  # e.g. another coordinator's handover of the same case
        Assignment.objects.filter(pk=items[0][0].pk).update(ended_at=timezone.now())
        before = active_assignments()
    else:
        items.append(items[0])
    with pytest.raises(ValidationError) as exc:
        services.handover_perform(departing=departing, actor=personas["coordinator"], items=items)
    if fault == "summary":
        assert f"summary_{items[1][0].participant.public_id.hex}" in exc.value.error_dict
    assert active_assignments() == before
    assert not Handover.objects.exists() and not HandoverItem.objects.exists()
    for participant in cases.values():
        assert access.may_change(departing, participant)


def test_a_departure_is_handed_over_in_batches_and_completes_with_the_last(
    cases, personas, departing
):
    """A batch moves whole; the departing worker keeps their roles (and what is left) until the
    last follow-up is moved."""
    ccsmtl = personas["worker_ccsmtl"]
    items = items_for(departing, lambda a: (ccsmtl, "Résumé.", None))
    services.handover_perform(departing=departing, actor=personas["coordinator"], items=items[:1])
    left = Assignment.objects.filter(worker=departing, ended_at__isnull=True)
    assert left.count() == 2
    assert Role.YOUTH_WORKER in roles_of(departing, fresh=True)
    moved = items[0][0].participant or items[0][0].referral
    assert not access.may_change(departing, moved) and access.may_change(ccsmtl, moved)
    for a in left:
        assert access.may_change(departing, a.participant)
    services.handover_perform(departing=departing, actor=personas["coordinator"], items=items[1:])
    assert not left.all().exists()
    assert not ({Role.YOUTH_WORKER, Role.CLINICAL_COMMITTEE} & roles_of(departing, fresh=True))
    assert Handover.objects.count() == 2 and HandoverItem.objects.count() == 3


def test_a_successor_who_is_not_a_youth_worker_is_refused_and_nothing_moves(
    cases, personas, departing
):
    before = active_assignments()
    items = items_for(departing, lambda a: (personas["worker_ccsmtl"], "Résumé."))
    assignment, _successor, summary = items[-1]
    items[-1] = (assignment, personas["police"], summary)
    with pytest.raises(ValidationError) as exc:
        services.handover_perform(departing=departing, actor=personas["coordinator"], items=items)
    assert set(exc.value.error_dict) == {f"successor_{assignment.participant.public_id.hex}"}
    assert active_assignments() == before
    assert not Handover.objects.exists()


@pytest.mark.parametrize("persona", ["worker_ccsmtl", "worker_codim", "steering", "administrator"])
def test_only_the_coordinator_performs_a_handover(cases, personas, departing, persona):
    before = active_assignments()
    with pytest.raises(PermissionDenied):
        services.handover_perform(
            departing=departing,
            actor=personas[persona],
            items=items_for(departing, lambda a: (personas["worker_codim"], "Résumé.")),
        )
    assert active_assignments() == before


@pytest.fixture
def eager_tasks(django_capture_on_commit_callbacks):
    """Run what is queued after commit, Celery tasks in place: e-mails land in the outbox."""
    from spheres.celery import app

    app.conf.task_always_eager = True
    try:
        yield lambda: django_capture_on_commit_callbacks(execute=True)
    finally:
        app.conf.task_always_eager = False


def test_an_ordinary_reassignment_tells_the_referrer(cases, personas, eager_tasks):
    """The counterpart of the next test: shows that the outbox check there can fail."""
    with eager_tasks():
        referral_services.assignment_set(
            participant=cases["alone"],
            actor=personas["coordinator"],
            primary=personas["worker_codim"],
        )
    assert [m.to for m in mail.outbox] == [["referent@example.org"]]


def test_a_handover_sends_no_email_to_the_referrer(cases, personas, departing, eager_tasks):
    with eager_tasks():
        services.handover_perform(
            departing=departing,
            actor=personas["coordinator"],
            items=items_for(departing, lambda a: (personas["worker_ccsmtl"], "Résumé.")),
        )
    assert Handover.objects.exists()
    assert [m.to for m in mail.outbox] == [[personas["worker_ccsmtl"].email]]  # the successor


def hand_candidates_over(n, make_referral, screen, personas, departing, eager_tasks, successor):
    """`n` candidates assigned to the departing worker, all handed over to `successor` (tasks
    run, the outbox emptied of the assignments' own e-mails first); their referrals."""
    referrals = [make_referral() for _ in range(n)]
    for referral in referrals:
        screen(referral)
        referral_services.assignment_set(
            referral=referral, actor=personas["coordinator"], primary=departing
        )
    mail.outbox.clear()
    with eager_tasks():
        services.handover_perform(
            departing=departing,
            actor=personas["coordinator"],
            items=items_for(departing, lambda a: (successor, "Pas encore rencontrée.")),
        )
    return referrals


def test_a_candidates_referrer_is_told_the_successor_before_the_initial_meeting(
    make_referral, screen, personas, departing, eager_tasks
):
    """The referrer is told who the assigned worker is before any meeting: when the worker
    assigned to a candidate leaves before meeting them, the referrer learns the successor's
    name (an admitted participant's referrer is not written to on a handover, above)."""
    successor = personas["worker_ccsmtl"]
    [referral] = hand_candidates_over(
        1, make_referral, screen, personas, departing, eager_tasks, successor
    )
    [message] = [m for m in mail.outbox if m.to == ["referent@example.org"]]
    assert successor.get_full_name() in message.body and successor.email in message.body
    assert departing.get_full_name() not in message.body
    for secret in (referral.first_name, referral.last_name, "Pas encore rencontrée."):
        assert secret not in message.body


# --- Suggestions -------------------------------------------------------------------------------


def test_the_second_worker_on_the_case_is_suggested_first(cases, personas, departing):
    coordinator = personas["coordinator"]
    # The CCSMTL worker once followed "paired" and "alone" as second worker, then left those cases.
    for key in ("paired", "alone"):
        participant = cases[key]
        current_second = personas["worker_codim"] if key == "paired" else None
        referral_services.assignment_set(
            participant=participant,
            actor=coordinator,
            primary=departing,
            second=personas["worker_ccsmtl"],
        )
        referral_services.assignment_set(
            participant=participant, actor=coordinator, primary=departing, second=current_second
        )
    nobody = cases["second"]  # its other worker is CODIM, on the case now
    assignments = list(Assignment.objects.filter(worker=departing, ended_at__isnull=True))
    suggestions = selectors.handover_suggestions(assignments)
    by_participant = {a.participant_id: suggestions.get(a.pk) for a in assignments}
    codim, ccsmtl = personas["worker_codim"].pk, personas["worker_ccsmtl"].pk
    assert by_participant == {
        # On the case beats met before; the one met before becomes the new second.
        cases["paired"].pk: (codim, ccsmtl),
        cases["alone"].pk: (ccsmtl, None),  # a worker they have met
        nobody.pk: (codim, None),  # nobody else known: the coordinator picks the second
    }


def test_a_worker_who_wrote_notes_is_suggested_when_nobody_else_is_on_the_case(
    make_participant, personas, departing
):
    participant = make_participant(primary="worker_enmarge", second="worker_ccsmtl")
    participant.admitted_on = timezone.localdate() - datetime.timedelta(days=30)
    participant.save()
    services.note_save(
        participant=participant,
        actor=personas["worker_ccsmtl"],
        week=timezone.localdate() - datetime.timedelta(days=7),
        no_contact_reason="no_news",
    )
    referral_services.assignment_set(
        participant=participant, actor=personas["coordinator"], primary=departing
    )
    fresh = make_participant(primary="worker_enmarge", second=None)
    assignments = list(Assignment.objects.filter(worker=departing, ended_at__isnull=True))
    suggestions = selectors.handover_suggestions(assignments)
    by_participant = {a.participant_id: suggestions.get(a.pk) for a in assignments}
    assert by_participant == {participant.pk: (personas["worker_ccsmtl"].pk, None), fresh.pk: None}


# --- The page ----------------------------------------------------------------------------------


def test_the_coordinator_hands_over_from_the_page(cases, personas, departing, login):
    client = login(personas["coordinator"])
    url = reverse("followups:handover")
    assert client.get(url).status_code == 200  # pick the departing worker first
    response = client.get(url, {"worker": departing.pk})
    assert response.status_code == 200
    html = response.content.decode()
    for participant in cases.values():
        key = participant.public_id.hex
        assert participant.youth_id in html
        select = re.search(rf'<select name="successor_{key}".*?</select>', html, re.S).group(0)
        assert f'value="{departing.pk}"' not in select  # not a successor of themselves
        assert re.search(rf'<textarea[^>]*name="summary_{key}"', html)
    paired_select = re.search(
        rf'<select name="successor_{cases["paired"].public_id.hex}".*?</select>', html, re.S
    ).group(0)
    assert re.search(rf'<option value="{personas["worker_codim"].pk}" selected>', paired_select)

    data = {"departing": departing.pk}
    for participant in cases.values():
        key = participant.public_id.hex
        data[f"successor_{key}"] = personas["worker_ccsmtl"].pk
        data[f"summary_{key}"] = ""  # forgotten
    response = client.post(url, data)
    assert response.status_code == 200
    assert Assignment.objects.filter(worker=departing, ended_at__isnull=True).count() == 3
    for participant in cases.values():
        assert response.context["form"].errors[f"summary_{participant.public_id.hex}"]

    for participant in cases.values():
        data[f"summary_{participant.public_id.hex}"] = "Appel de la nouvelle intervenante prévu."
    response = client.post(url, data)
    assert response.status_code == 302
    assert not Assignment.objects.filter(worker=departing, ended_at__isnull=True).exists()
    handover = Handover.objects.get()
    assert handover.items.count() == 3
    assert set(handover.items.values_list("summary", flat=True)) == {
        "Appel de la nouvelle intervenante prévu."
    }
    for participant in cases.values():
        assert access.may_change(personas["worker_ccsmtl"], participant)


@pytest.mark.parametrize(
    "persona",
    ["worker_ccsmtl", "worker_enmarge", "police", "steering", "researcher", "administrator"],
)
def test_the_handover_page_is_the_coordinators(cases, personas, departing, login, persona):
    client = login(personas[persona])
    url = reverse("followups:handover")
    assert client.get(url).status_code == 404
    assert client.get(url, {"worker": departing.pk}).status_code == 404
    response = client.post(
        url,
        {
            "departing": departing.pk,
            **{
                f"successor_{p.public_id.hex}": personas["worker_ccsmtl"].pk for p in cases.values()
            },
            **{f"summary_{p.public_id.hex}": "Résumé." for p in cases.values()},
        },
    )
    assert response.status_code == 404
    assert Assignment.objects.filter(worker=departing, ended_at__isnull=True).count() == 3


def test_the_successor_finds_the_notice_and_the_summary_on_the_file(
    cases, personas, departing, login
):
    ccsmtl = personas["worker_ccsmtl"]
    services.handover_perform(
        departing=departing,
        actor=personas["coordinator"],
        items=items_for(departing, lambda a: (ccsmtl, f"Appel conjoint prévu ({a.pk}).")),
    )
    client = login(ccsmtl)
    html = client.get(reverse("followups:notifications")).content.decode()
    file_url = reverse("referrals:participant_detail", args=[cases["alone"].public_id])
    assert f'href="{file_url}"' in html
    with translation.override("fr-ca"):
        assert str(Notification.Kind.HANDOVER.label) in html
    response = client.get(file_url)
    assert response.status_code == 200
    html = response.content.decode()
    assignment = Assignment.objects.get(participant=cases["alone"], worker=departing)
    assert 'id="transition-summaries"' in html
    assert f"Appel conjoint prévu ({assignment.pk})." in html
    assert departing.get_full_name() in html


def test_an_inactive_worker_is_never_offered_or_suggested(cases, personas, departing, login):
    codim = personas["worker_codim"]
    core_services.user_deactivate(user=codim)
    assignments = selectors.departing_assignments(departing)
    assert all(
        codim.pk not in pair for pair in selectors.handover_suggestions(assignments).values()
    )
    assert codim.pk not in {w.pk for w in selectors.successors_for(departing)}
    html = login(personas["coordinator"]).get(
        reverse("followups:handover"), {"worker": departing.pk}
    )
    assert f'<option value="{codim.pk}"' not in html.content.decode()


def test_a_deactivated_worker_still_on_cases_can_be_handed_over(cases, personas, departing, login):
    core_services.user_deactivate(user=departing)
    html = login(personas["coordinator"]).get(reverse("followups:handover")).content.decode()
    assert f'<option value="{departing.pk}">' in html
    assert (
        len(selectors.followups_without_active_worker().filter(participant__in=[cases["alone"]]))
        == 1
    )


@pytest.mark.parametrize("size", [5, 60])
def test_the_handover_page_runs_a_fixed_number_of_queries(
    size, bulk_participants, personas, login, django_assert_max_num_queries
):
    participants = bulk_participants(size)
    worker = personas["worker_ccsmtl"]
    WeeklyNote.objects.bulk_create(
        [
            WeeklyNote(
                participant=p,
                week=timezone.localdate() - datetime.timedelta(days=7 * w),
                no_contact_reason="no_news",
                author=personas["worker_codim"],
            )
            for p in participants
            for w in range(3)
        ]
    )
    client = login(personas["coordinator"])
    url = reverse("followups:handover") + f"?worker={worker.pk}"
    client.get(url)  # once-per-process lookups out of the way
    with django_assert_max_num_queries(16):
        response = client.get(url)
    assert response.status_code == 200
    shown = min(size, selectors.HANDOVER_BATCH)  # one batch at a time, whatever the caseload
    assert len(response.context["form"].rows) == shown
    # The worker who wrote notes is suggested for every row, from one list of choices.
    html = response.content.decode()
    assert html.count(f'<option value="{personas["worker_codim"].pk}" selected>') == shown
    assert ('id="handover-batches"' in html) == (size > shown)


def test_a_large_caseload_is_handed_over_from_the_page_batch_after_batch(
    bulk_participants, personas, login, settings
):
    settings.LANGUAGE_CODE = "en"
    worker, successor = personas["worker_ccsmtl"], personas["worker_codim"]
    participants = bulk_participants(selectors.HANDOVER_BATCH + 3)
    client = login(personas["coordinator"])
    url = reverse("followups:handover") + f"?worker={worker.pk}"
    for expected_rows, more in ((selectors.HANDOVER_BATCH, 3), (3, 0)):
        response = client.get(url)
        html = response.content.decode()
        rows = response.context["form"].rows
        assert len(rows) == expected_rows
        if more:
            assert "once these are moved, 3 more will be shown" in html
        data = {"departing": worker.pk}
        for assignment, *_fields in rows:
            data[f"successor_{assignment.case_key}"] = successor.pk
            data[f"summary_{assignment.case_key}"] = "Relais prévu."
        response = client.post(url, data, follow=True)
        if more:
            assert response.redirect_chain[-1][0] == url
            assert "3 follow-ups remain to be handed over" in response.content.decode()
            assert Role.YOUTH_WORKER in roles_of(worker, fresh=True)
        else:
            assert response.redirect_chain[-1][0] == reverse("referrals:participant_list")
    assert not Assignment.objects.filter(worker=worker, ended_at__isnull=True).exists()
    assert Assignment.objects.filter(
        worker=successor, participant__in=participants, ended_at__isnull=True
    ).count() == len(participants)
    assert Role.YOUTH_WORKER not in roles_of(worker, fresh=True)


def test_the_shared_select_offers_what_djangos_select_offers():
    """The handover's selects render their options once per selected value; the options, their
    order, the selection and the escaping are Django's own."""
    import re

    from django import forms

    from followups.forms import SharedOptionsSelect

    choices = [("", "—"), (3, "Ana <b> & Cie"), (7, "Bé — CODIM — 2 suivis")]
    rendered = {}
    option = re.compile(r'<option value="([^"]*)"( selected)?>([^<]*)</option>')
    for value in (None, 3, "7"):
        ours = SharedOptionsSelect(rendered, choices).render("s", value, {"id": "id_s"})
        django = forms.Select(choices=choices).render("s", value, {"id": "id_s"})
        assert option.findall(ours) == option.findall(django)
        assert ours.startswith('<select name="s" id="id_s">')
    assert "Ana &lt;b&gt; &amp; Cie" in ours
    assert set(rendered) == {"", "3", "7"}  # one rendering per selected value, shared


@pytest.mark.parametrize("value", [None, "", 'Résumé <b> & "cité"', "deux\nlignes", 0])
def test_the_plain_textarea_writes_djangos_textarea(value):
    """The handover's summaries skip the template engine; the markup is Django's, byte for byte
    (attribute order, booleans, escaping, the empty value)."""
    from django import forms

    from followups.forms import PlainTextarea

    for attrs in ({"id": "id_t"}, {"id": "id_t", "required": True, "disabled": False, "x": 0}):
        ours = PlainTextarea(attrs={"rows": 3}).render("t", value, attrs)
        assert ours == forms.Textarea(attrs={"rows": 3}).render("t", value, attrs)


@pytest.mark.parametrize("bound", [False, True])
def test_the_handover_field_groups_are_the_projects_field_template(
    cases, personas, departing, bound
):
    """The handover page composes its field groups without the template engine (hundreds of
    rows); the markup, errors and aria attributes included, is that of forms/field.html."""
    import re

    from followups.forms import HandoverForm, field_group

    assignments = selectors.departing_assignments(departing)
    form = HandoverForm(
        {"departing": departing.pk} if bound else None,  # bound and empty: every row in error
        assignments=assignments,
        workers=selectors.successors_for(departing),
        suggestions=selectors.handover_suggestions(assignments),
    )
    if bound:
        assert not form.is_valid()

    def squeeze(html):
        return re.sub(r">\s+<", "><", re.sub(r"\s+", " ", str(html))).strip()

    for _assignment, *fields in form.rows:
        for bf in fields:
            assert squeeze(field_group(bf)) == squeeze(bf.as_field_group())
    if bound:
        assert 'aria-invalid="true"' in str(field_group(form.rows[0][3]))


def test_a_successor_receiving_several_candidates_is_told_how_many(
    make_referral, screen, personas, departing, eager_tasks
):
    """Candidates have no participant yet: their notices must not merge into one."""
    successor = personas["worker_ccsmtl"]
    hand_candidates_over(2, make_referral, screen, personas, departing, eager_tasks, successor)
    notices = Notification.objects.filter(kind=Notification.Kind.HANDOVER, recipient=successor)
    assert sum(n.count or 1 for n in notices) == 2
    [message] = [m for m in mail.outbox if m.to == [successor.email]]
    assert "You received 2 follow-ups" in message.body
