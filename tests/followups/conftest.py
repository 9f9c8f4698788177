from tests.referrals.conftest import (
    admit,
    bulk_participants,
    make_participant,
    make_referral,
    screen,
)  # noqa: F401
