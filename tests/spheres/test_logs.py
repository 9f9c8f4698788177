"""No personal data in the logs: an exception's message (a database error's DETAIL quotes the
row, a parse error the cell) never reaches the log output; its class and frames do."""

import io
import logging

import pytest
from celery.app.trace import LOG_FAILURE
from django.db import IntegrityError, transaction
from faker import Faker

from spheres.logs import RedactingFormatter
from spheres.models import User

fake = Faker("fr_CA")


@pytest.fixture
def output():
    """What the project's configured console handler writes (settings.LOGGING)."""
    handlers = [
        h for h in logging.getLogger().handlers if isinstance(h.formatter, RedactingFormatter)
    ]
    assert handlers, "the root logger's console handler must use the redacting formatter"
    buffer = io.StringIO()
    previous = handlers[0].setStream(buffer)
    yield buffer
    handlers[0].setStream(previous)


@pytest.mark.django_db
def test_a_database_error_quoting_a_row_is_logged_by_class_and_frames_only(output):
    name = f"{fake.first_name()}.{fake.last_name()}".lower()
    email = f"{name}@example.org"
    User.objects.create_user(email, password=fake.password())
    try:
        with transaction.atomic():
            # Past the manager's own checks: the database refuses the duplicate.
            User.objects.bulk_create([User(email=email)])
    except IntegrityError as exc:
        assert name in str(exc) or "UNIQUE" in str(exc)  # the message does quote the row
        logging.getLogger("spheres.test").exception("saving a user failed")
    text = output.getvalue()
    assert "saving a user failed" in text
    assert "IntegrityError" in text
    assert "Traceback (most recent call last):" in text and "test_logs.py" in text
    assert name not in text
    assert "already exists" not in text and "UNIQUE constraint" not in text


def test_every_exception_of_a_chain_loses_its_message(output):
    first, last = fake.first_name(), fake.last_name()
    try:
        try:
            raise KeyError(first)
        except KeyError as inner:
            raise ValueError(f"cell B7: {last}") from inner
    except ValueError:
        logging.getLogger("spheres.test").exception("import failed")
    text = output.getvalue()
    assert "KeyError" in text and "ValueError" in text
    assert "direct cause" in text
    assert first not in text and last not in text


def test_a_message_embedding_the_exception_gets_its_class_instead(output):
    phone = fake.phone_number()
    try:
        raise ValueError(phone)
    except ValueError as exc:
        logging.getLogger("spheres.test").error("failed: %s (%r)", exc, exc, exc_info=True)
    text = output.getvalue()
    assert "failed: ValueError (ValueError)" in text
    assert phone not in text


def test_celerys_task_failure_line_names_the_class_only(output):
    email = fake.email()
    context = {
        "hostname": "worker",
        "id": "1",
        "name": "research.tasks.x",
        "exc": repr(ValueError(email)),
        "traceback": "",
        "args": "()",
        "kwargs": "{}",
        "description": "raised unexpected",
        "internal": False,
    }
    try:
        raise ValueError(email)
    except ValueError as exc:
        exc_info = (type(exc), exc, exc.__traceback__)
    trace = logging.getLogger("celery.app.trace")
    trace.log(logging.ERROR, LOG_FAILURE.strip(), context, exc_info=exc_info)
    # An expected exception is logged without exc_info (at INFO; ERROR here, whatever level
    # an earlier test left the logger at): its repr only.
    trace.log(logging.ERROR, LOG_FAILURE.strip(), context | {"description": "raised expected"})
    text = output.getvalue()
    assert "raised unexpected: ValueError" in text
    assert "raised expected: ValueError" in text
    assert email not in text


def test_other_handlers_still_see_the_record_unchanged(caplog):
    secret = fake.last_name()
    with caplog.at_level(logging.ERROR):
        try:
            raise ValueError(secret)
        except ValueError:
            logging.getLogger("spheres.test").exception("failed")
    record = caplog.records[-1]
    assert record.exc_info and str(record.exc_info[1]) == secret
