"""Plain-text e-mails go to people, not browsers: no HTML escaping in them."""

import datetime
import re
from pathlib import Path

import pytest
from django.core import mail
from django.template.loader import render_to_string
from django.utils import timezone, translation

from referrals import services as referral_services
from referrals.models import Referral
from referrals.tasks import notify_referrer_of_assignment
from spheres import services as core_services
from spheres.models import Role
from tests.referrals.conftest import *  # noqa: F403 - the participant fixtures

ROOT = Path(__file__).resolve().parent.parent / "templates"
TEMPLATES = sorted(str(p.relative_to(ROOT)) for p in ROOT.glob("*/email/*.txt"))
VARIABLE = re.compile(r"{{\s*(\w+)")
NAME = "Josée D'Amour & Fils <inc>"


def test_there_are_email_templates_to_check():
    assert len(TEMPLATES) >= 10


@pytest.mark.parametrize("template", TEMPLATES)
@pytest.mark.parametrize("language", ["fr-ca", "en"])
def test_no_plain_text_email_template_escapes_html(template, language):
    source = (ROOT / template).read_text(encoding="utf-8")
    context = {name: NAME for name in VARIABLE.findall(source)}
    context.update(count=2, days=3)
    with translation.override(language):
        text = render_to_string(template, context)
    assert "&amp;" not in text and "&#x27;" not in text and "&lt;" not in text


@pytest.mark.django_db
def test_the_referrer_reads_the_workers_name_as_written(
    make_referral, screen, admit, personas, organisations
):
    worker = core_services.user_create(
        email="damour@example.org", first_name="Josée", last_name="D'Amour & Fils"
    )
    core_services.membership_grant(
        user=worker, organisation=organisations["codim"], roles=[Role.YOUTH_WORKER]
    )
    referral = make_referral()
    screen(referral)
    participant = admit(referral)
    [assignment] = referral_services.assignment_set(
        participant=participant,
        actor=personas["coordinator"],
        primary=worker,
        notify_referrer=False,
    )
    # Referred at 21:30 in Montréal: already the next day in UTC.
    evening = timezone.make_aware(datetime.datetime(2026, 11, 26, 21, 30))
    Referral.objects.filter(pk=referral.pk).update(created_at=evening)
    notify_referrer_of_assignment(assignment.pk)
    [message] = mail.outbox
    assert "D'Amour & Fils" in message.body
    assert "le 2026-11-26 à 21:30" in message.body  # French first
    assert "on 2026-11-26 at 21:30" in message.body
    assert "&amp;" not in message.body and "&#x27;" not in message.body
