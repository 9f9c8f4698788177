"""State changes from referral to admission. Every function is atomic, validates before saving,
keeps history and updates derived permissions in the same transaction (DOMAIN.md: Referral and
admission; Consent and confidentiality). Split by concern; this package re-exports them all."""

from referrals.services.admission import (
    participant_admit,
    participant_group_activities_set,
    youth_id_allocate,
)
from referrals.services.assignments import assignment_set
from referrals.services.consents import (
    consent_create,
    consent_record,
    consent_withdraw,
    sharing_set,
    youth_protection_record,
)
from referrals.services.imported import imported_consent_confirm
from referrals.services.intake import (
    initial_meeting_record,
    participant_update_identity,
    recruiter_risk_assessment_record,
    referral_correct,
    referral_create,
    referral_set_status,
    referral_submit,
    referral_update_identity,
    screening_record,
)

__all__ = [
    "assignment_set",
    "consent_create",
    "consent_record",
    "consent_withdraw",
    "imported_consent_confirm",
    "initial_meeting_record",
    "participant_admit",
    "participant_group_activities_set",
    "recruiter_risk_assessment_record",
    "referral_correct",
    "referral_create",
    "referral_set_status",
    "referral_submit",
    "participant_update_identity",
    "referral_update_identity",
    "screening_record",
    "sharing_set",
    "youth_id_allocate",
    "youth_protection_record",
]
