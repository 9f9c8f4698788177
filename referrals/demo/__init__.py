"""Demo data of the referral-to-admission flow (seed_demo runs `seed`). The volume for benchmarks
is made by followups.demo through the bulk path, from `volume.admission_rows`."""

from referrals.demo.stories import seed

__all__ = ["seed"]
