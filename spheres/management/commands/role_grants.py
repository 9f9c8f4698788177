from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from spheres import services
from spheres.models import RoleGrant


class Command(BaseCommand):
    help = (
        "List the role grants awaiting confirmation, or decide one from the server's shell "
        "(the first coordinator of a new deployment has nobody to confirm it in the app)."
    )

    def add_arguments(self, parser):
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--confirm", type=int, metavar="ID")
        group.add_argument("--refuse", type=int, metavar="ID")

    def handle(self, *args, confirm=None, refuse=None, **options):
        pending = RoleGrant.objects.filter(status=RoleGrant.Status.PENDING)
        if confirm is None and refuse is None:
            for grant in pending.select_related("user", "organisation"):
                self.stdout.write(
                    f"{grant.pk:6} {grant.role:20} {grant.organisation.short_name:14} "
                    f"{grant.user.email}"
                )
            return
        grant = pending.filter(pk=confirm or refuse).first()
        if grant is None:
            raise CommandError("No pending role grant with this id.")
        service = services.role_grant_confirm if confirm else services.role_grant_refuse
        try:
            service(grant=grant, actor=None)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(
            self.style.SUCCESS(f"Role grant {grant.pk}: {'confirmed' if confirm else 'refused'}.")
        )
