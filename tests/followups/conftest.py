# The referral fixtures (admitted participants built through the services) serve here too.
from tests.referrals.conftest import *  # noqa: F403
