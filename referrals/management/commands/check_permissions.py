from django.core.management.base import BaseCommand, CommandError

from referrals import permissions
from referrals.models import Participant

CHUNK = 2000


class Command(BaseCommand):
    help = (
        "Recompute the object permissions every participant should have (assignments, sharing "
        "consents, program consent) and report rows missing or in excess; --fix repairs them."
    )

    def add_arguments(self, parser):
        parser.add_argument("--fix", action="store_true", help="repair the drift")

    def handle(self, *args, fix, **options):
        ids = list(Participant.objects.order_by("pk").values_list("pk", flat=True))
        missing = excess = 0
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            found = permissions.drift(chunk)
            missing += len(found["missing"])
            excess += len(found["excess"])
            for row in found["missing"]:
                self.stdout.write(f"missing: participant={row[0]} holder={row[1]} {row[2]}")
            for row in found["excess"]:
                self.stdout.write(f"excess: participant={row[0]} holder={row[1]} {row[2]}")
            if fix and (found["missing"] or found["excess"]):
                permissions.sync_permissions(chunk)
        self.stdout.write(
            f"{len(ids)} participants checked: {missing} missing, {excess} in excess"
            + (" (fixed)" if fix and (missing or excess) else "")
        )
        if (missing or excess) and not fix:
            raise CommandError("permission drift found; run with --fix to repair")
