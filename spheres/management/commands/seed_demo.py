import importlib

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from spheres.demo import PEOPLE, SeedContext, demo_email

# Order matters: each step builds on the previous ones.
STEPS = ["spheres", "referrals", "followups", "committees", "research"]


class Command(BaseCommand):
    help = "Create (idempotently) demo organisations, people and, as apps grow, their data."

    def add_arguments(self, parser):
        parser.add_argument(
            "--seed", type=int, default=2026, help="random seed (same seed, same data)"
        )
        parser.add_argument(
            "--participants", type=int, default=None, help="participants to generate"
        )
        parser.add_argument(
            "--weeks", type=int, default=None, help="weeks of notes per participant"
        )

    def handle(self, *args, seed, participants, weeks, **options):
        if not settings.SPHERES_DEMO:
            # The demo accounts' password is published (README, make run): on a real deployment
            # whoever signs in first would enrol MFA and own the administrator account.
            # Development mode is its own switch: `make run` serves the demo with DEBUG off.
            raise CommandError(
                "seed_demo creates accounts whose password is public: it runs in development "
                "mode only (SPHERES_DEMO=1, implied by DJANGO_DEBUG=1), never on a deployment."
            )
        ctx = SeedContext(seed=seed, participants=participants or 0, weeks=weeks or 0)
        modules = []
        for label in STEPS:
            if not apps.is_installed(label):
                continue
            try:
                modules.append(importlib.import_module(f"{label}.demo"))
            except ModuleNotFoundError as exc:
                if exc.name != f"{label}.demo":
                    raise
        if (participants or weeks) and not any(hasattr(m, "seed_volume") for m in modules):
            raise CommandError(
                "--participants/--weeks need the participant models (not built yet)."
            )
        with transaction.atomic():
            for module in modules:
                module.seed(ctx)
            # Volume generators run once every app's small set exists (each checks its options).
            for module in modules:
                if hasattr(module, "seed_volume"):
                    module.seed_volume(ctx)
        if (participants or weeks) and connection.vendor == "postgresql":
            # Planner statistics after a bulk load: without them the first queries plan blind.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        for line in ctx.log:
            self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS("Demo data ready. Logins (same password for all):"))
        for local, short_name, roles in PEOPLE:
            self.stdout.write(f"  {demo_email(local):40} {short_name:14} {', '.join(roles)}")
