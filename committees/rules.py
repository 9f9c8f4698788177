"""Pure rules of committees: no database, no request. Agenda sections and their order, source
keys, series dates, referral numbers, and the check that keeps names out of committee documents
(DOMAIN.md: Committees; Consent and confidentiality — "information that can identify individuals
participating in the program will not appear in any documentation")."""

import calendar
import datetime
import re
import unicodedata

from django.utils.translation import gettext_lazy as _

from committees.models import CommitteeKind, DecisionKind, Frequency, ItemKind

# The sections each kind of committee's agenda has, in order. Only the Clinical Committee
# discusses cases; the others see program figures and action items, never a person.
CLINICAL_SECTIONS = [
    ItemKind.REFERRAL_AWAITING,
    ItemKind.REFERRAL_REFLECTING,
    ItemKind.RECRUITER_ASSESSMENT,
    ItemKind.FOLLOWUP_INACTIVE,
    ItemKind.WITHOUT_WORKER,
    ItemKind.BREAK_ENDING,
    ItemKind.HANDOVER,
    ItemKind.PRESENTATION,
    ItemKind.ACTION_ITEM,
    ItemKind.OTHER,
]
PROGRAM_SECTIONS = [ItemKind.FIGURES, ItemKind.ACTION_ITEM, ItemKind.OTHER]
NOMINATIVE_KINDS = frozenset(CLINICAL_SECTIONS) - {ItemKind.ACTION_ITEM, ItemKind.OTHER}

# Sources pulled afresh at every refresh until the meeting starts. Once an item of one of these
# kinds is marked handled at a meeting, the same source (same key) never comes back on the
# committee's later agendas. Rotation and action items follow their own rule (least recently
# presented; open until done).
HANDLED_ONCE = frozenset(NOMINATIVE_KINDS) - {ItemKind.PRESENTATION}

# What the committee may decide from each kind of item.
DECISIONS_FOR = {
    # DOMAIN: the committee decides who follows the candidate, before the initial meeting.
    ItemKind.REFERRAL_AWAITING: [
        DecisionKind.ASSIGN_CANDIDATE,
        DecisionKind.REFERRAL_STATUS,
        DecisionKind.ADMIT,
    ],
    ItemKind.REFERRAL_REFLECTING: [
        DecisionKind.ADMIT,
        DecisionKind.ASSIGN_CANDIDATE,
        DecisionKind.REFERRAL_STATUS,
    ],
    ItemKind.RECRUITER_ASSESSMENT: [
        DecisionKind.RECRUITER_ASSESSMENT,
        DecisionKind.ASSIGN_CANDIDATE,
        DecisionKind.ADMIT,
        DecisionKind.REFERRAL_STATUS,
    ],
    ItemKind.FOLLOWUP_INACTIVE: [DecisionKind.REACTIVATE, DecisionKind.ASSIGN_WORKERS],
    ItemKind.WITHOUT_WORKER: [DecisionKind.ASSIGN_WORKERS],
    ItemKind.BREAK_ENDING: [DecisionKind.REACTIVATE, DecisionKind.ASSIGN_WORKERS],
    ItemKind.HANDOVER: [DecisionKind.ASSIGN_WORKERS],
    ItemKind.PRESENTATION: [DecisionKind.ASSIGN_WORKERS],
}
REFERRAL_DECISIONS = {
    DecisionKind.ASSIGN_CANDIDATE,
    DecisionKind.REFERRAL_STATUS,
    DecisionKind.ADMIT,
    DecisionKind.RECRUITER_ASSESSMENT,
}

DEFAULT_DURATION = {
    CommitteeKind.CLINICAL: 150,
    CommitteeKind.STEERING: 150,
    CommitteeKind.JOINT: 180,
    CommitteeKind.EXTENDED: 90,
}

MAX_SERIES = 52
# How far from today a meeting may be put: ahead, a series of MAX_SERIES still ends within a
# few years; behind, a meeting recorded after the fact. Beyond, a typo (year 9999 broke dates).
YEARS_AHEAD = 2
YEARS_BACK = 10


def meeting_day_problem(day: datetime.date, today: datetime.date) -> str | None:
    """Why a meeting cannot be on this day (None when it can)."""
    if day > add_months(today, 12 * YEARS_AHEAD):
        return _("A meeting is scheduled at most %(years)s years ahead.") % {"years": YEARS_AHEAD}
    if day < add_months(today, -12 * YEARS_BACK):
        return _("A meeting more than %(years)s years ago cannot be recorded.") % {
            "years": YEARS_BACK
        }
    return None


def sections_for(kind: str) -> list[str]:
    return CLINICAL_SECTIONS if kind == CommitteeKind.CLINICAL else PROGRAM_SECTIONS


def source_key(kind: str, *ids) -> str:
    """Ids only: never a name (the key is stored and compared, never shown)."""
    return ":".join([kind, *(str(i if i is not None else 0) for i in ids)])


def referral_number(referral_id: int) -> str:
    """How committee documents name a candidate: the referral's number, never the name."""
    return f"R-{referral_id:04d}"


def add_months(day: datetime.date, months: int) -> datetime.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def series_dates(first: datetime.date, frequency: str, count: int) -> list[datetime.date]:
    """The dates of a series: every week, or every three months on the same day of the month."""
    if frequency == Frequency.WEEKLY:
        return [first + datetime.timedelta(weeks=i) for i in range(count)]
    return [add_months(first, 3 * i) for i in range(count)]


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _name_parts(names) -> list[str]:
    """Each word of each name, of two letters or more ("Marie-Ève" gives "marie-eve", "marie",
    "eve")."""
    parts = set()
    for name in names:
        for word in re.split(r"\s+", _fold(name).strip()):
            if len(word) >= 2:
                parts.add(word)
                parts.update(p for p in re.split(r"[-']", word) if len(p) >= 2)
    return sorted(parts, key=len, reverse=True)


def _pattern(parts: list[str]) -> re.Pattern | None:
    if not parts:
        return None
    return re.compile(r"(?<!\w)(" + "|".join(re.escape(p) for p in parts) + r")(?!\w)")


def name_words(names) -> set[str]:
    """The words names_in looks for, as a set: for thousands of names (everyone the program
    knows), where one regular expression of them all would be slow to build."""
    return set(_name_parts(names))


def words_among(text: str, words: set[str]) -> list[str]:
    """The words of `text` (whole words, and the parts of hyphenated ones, without case or
    accents) that are in `words`."""
    found = set()
    for word in re.findall(r"\w[\w'-]*", _fold(text or "")):
        if word in words:
            found.add(word)
        found.update(part for part in re.split(r"[-']", word) if part in words)
    return sorted(found)


def names_in(text: str, names) -> list[str]:
    """The words of `names` that appear in `text` as whole words, ignoring case and accents."""
    pattern = _pattern(_name_parts(names))
    if pattern is None or not text:
        return []
    return sorted(set(pattern.findall(_fold(text))))


def redact(text: str, names, replacement: str) -> str:
    """`text` with every whole-word occurrence of `names` (any case, any accents) replaced. The
    folded copy has the same length only for most scripts: matching is done character by
    character on a folded copy aligned with the original."""
    parts = _name_parts(names)
    if not text or not parts:
        return text or ""
    folded, index = [], []
    for i, char in enumerate(text):
        for c in _fold(char):
            folded.append(c)
            index.append(i)
    folded_text = "".join(folded)
    pattern = _pattern(parts)
    out, last = [], 0
    for match in pattern.finditer(folded_text):
        start, end = index[match.start()], index[match.end() - 1] + 1
        out.append(text[last:start])
        out.append(replacement)
        last = end
    out.append(text[last:])
    return "".join(out)


NAME_IN_TEXT = _(
    "Committee documents identify people by youth ID or referral number: remove the name "
    "(%(names)s)."
)
