"""Log output without personal data.

An exception's message can quote what it failed on: PostgreSQL's unique-violation DETAIL quotes
the row's values, a parsing error the cell it could not read. Tracebacks therefore keep their
frames (file, line, function and the code line, which hold no data) but every exception of the
chain is named by its class only, and a message that embeds the exception (Celery's "Task …
raised unexpected: <the exception>") gets the class name in its place.
"""

import logging
import traceback
from collections.abc import Mapping


def exception_name(exc: BaseException) -> str:
    kind = type(exc)
    module = kind.__module__
    return kind.__qualname__ if module == "builtins" else f"{module}.{kind.__qualname__}"


def _chain(exc: BaseException) -> list[BaseException]:
    """The exception and its causes or contexts, oldest first (as Python prints them)."""
    chain: list[BaseException] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        chain.append(current)
        if current.__cause__ is not None:
            current = current.__cause__
        elif current.__suppress_context__:
            current = None
        else:
            current = current.__context__
    return chain[::-1]


def redacted_traceback(exc: BaseException) -> str:
    parts: list[str] = []
    for index, link in enumerate(_chain(exc)):
        if index:
            parts.append(
                "\nThe above exception was the direct cause of the following exception:\n\n"
                if link.__cause__ is not None
                else "\nDuring handling of the above exception, another exception occurred:\n\n"
            )
        if link.__traceback__ is not None:
            parts.append("Traceback (most recent call last):\n")
            parts.extend(traceback.format_tb(link.__traceback__))
        parts.append(f"{exception_name(link)}\n")
    return "".join(parts).rstrip("\n")


class RedactingFormatter(logging.Formatter):
    """logging.Formatter for every handler of the project (settings.LOGGING)."""

    def format(self, record: logging.LogRecord) -> str:
        exc = record.exc_info[1] if record.exc_info else None
        args = record.args
        if isinstance(args, Mapping) and "exc" in args:  # Celery's task failure records
            record = logging.makeLogRecord(record.__dict__)  # other handlers keep the original
            # Without exc_info (an expected exception) only its repr is there: its class is the
            # part before the parenthesis.
            name = exception_name(exc) if exc else str(args["exc"]).split("(", 1)[0]
            record.args = {**args, "exc": name}
            record.__dict__.pop("data", None)  # Celery's copy of the same context
        if exc is None:
            return super().format(record)
        record = logging.makeLogRecord(record.__dict__)
        message = record.getMessage()
        for text in sorted({str(exc), repr(exc)} - {""}, key=len, reverse=True):
            message = message.replace(text, exception_name(exc))
        record.msg, record.args = message, None
        record.exc_text = redacted_traceback(exc)
        return super().format(record)

    def formatException(self, ei) -> str:  # noqa: N802 - logging's name
        return redacted_traceback(ei[1]) if ei and ei[1] is not None else ""
