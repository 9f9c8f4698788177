"""Pure rules of referral and admission: no database, no request (DOMAIN.md: admission criteria)."""

import datetime
import re
import unicodedata

import filetype
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from referrals.models import RecruiterRiskAssessment, StageOfChange
from spheres import uploads

MIN_AGE, MAX_AGE = 12, 24
MAX_SCAN_BYTES = 10 * 1024 * 1024
SCAN_TYPES = {"application/pdf", "image/jpeg", "image/png"}


def age_on(date_of_birth: datetime.date, on: datetime.date) -> int:
    return (
        on.year
        - date_of_birth.year
        - ((on.month, on.day) < (date_of_birth.month, date_of_birth.day))
    )


def normalise_phone(phone: str) -> str:
    digits = re.sub(r"\D", "", phone or "")
    return digits[-10:] if len(digits) >= 10 else digits


def search_key(*parts: str) -> str:
    """Text as the search compares it: accents dropped, case folded, spaces collapsed, so that
    "zoe" finds "Zoé" and "LÉVESQUE" finds "Lévesque" on SQLite and PostgreSQL alike."""
    text = unicodedata.normalize("NFKD", " ".join(p or "" for p in parts))
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    return " ".join(text.split())


def referral_search_text(referral) -> str:
    """The referral's search column: the names it may be looked up by."""
    return search_key(referral.first_name, referral.last_name, referral.preferred_name)


def validate_scan(scan) -> str:
    """Signed forms: PDF, JPEG or PNG, at most 10 MB, type read from the content, not the name."""
    if scan.size > MAX_SCAN_BYTES:
        raise ValidationError({"scan": _("The file is larger than 10 MB.")})
    head = scan.read(262)
    scan.seek(0)
    kind = filetype.guess(head)
    if kind is None or kind.mime not in SCAN_TYPES:
        raise ValidationError({"scan": _("Only PDF, JPEG or PNG files are accepted.")})
    uploads.check_content(scan, kind.mime)
    return kind.mime


def youth_id_format(year: int, number: int) -> str:
    """DOMAIN.md: year-sequence form, e.g. #2019-02."""
    return f"#{year}-{number:02d}"


_TYPED_YOUTH_ID = re.compile(r"^#?\s*(\d{4})\s*-\s*(\d{1,4})$")


def youth_id_from_typed(text: str) -> str:
    """A youth ID as people type it ("2019-02", "#2019-2", "# 2019-02") in its stored form
    ("#2019-02"); anything else is returned stripped, as typed."""
    text = (text or "").strip()
    match = _TYPED_YOUTH_ID.match(text)
    return youth_id_format(int(match[1]), int(match[2])) if match else text


def admission_problems(*, date_of_birth, on: datetime.date, screening, recruiter_decision) -> list:
    """Why a candidate cannot be admitted on this date (empty when admissible): the four criteria
    of DOMAIN.md, plus the Clinical Committee assessment for recruiters. `screening` is a
    Screening (or None when not recorded); `recruiter_decision` the latest assessment's decision
    (or None)."""
    reasons = []
    age = age_on(date_of_birth, on)
    if age < MIN_AGE or age > MAX_AGE:
        reasons.append(
            _("Aged %(age)s on %(date)s: the program admits people aged 12 to 24 inclusive.")
            % {"age": age, "date": on.isoformat()}
        )
    if screening is None:
        reasons.append(_("The screening has not been recorded."))
        return reasons
    if not (screening.lives_in_area or screening.frequents_area):
        reasons.append(_("Neither lives in nor frequents the service area."))
    if screening.stage_of_change == StageOfChange.PRECONTEMPLATION:
        if not screening.precontemplation_exception_reason.strip():
            reasons.append(_("Precontemplation needs a written exception reason."))
    elif not screening.recognises_harms:
        reasons.append(
            _("Does not recognise harms of selling sexual services in any area of life.")
        )
    if screening.recruits_others:
        if not screening.recruiter_acknowledges:
            reasons.append(_("Recruits others and has not acknowledged it and committed to stop."))
        if recruiter_decision is None:
            reasons.append(_("Recruits others: a Clinical Committee risk assessment is required."))
        elif recruiter_decision != RecruiterRiskAssessment.Decision.BENEFITS_OUTWEIGH:
            reasons.append(_("The Clinical Committee found that risks outweigh benefits."))
    return reasons
