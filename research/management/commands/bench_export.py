import json

from django.core.management.base import BaseCommand

from research.export import bench


class Command(BaseCommand):
    help = "Measure the research export against its limit and django-import-export (the peer)."

    def add_arguments(self, parser):
        parser.add_argument("--one", choices=bench.KINDS, help="one measurement, this process")
        parser.add_argument("--sample", type=int, default=None, help="first n participants")
        parser.add_argument("--kinds", default=",".join(bench.KINDS), help="comma-separated")
        parser.add_argument("--repeat", type=int, default=3, help="runs per measurement")

    def handle(self, *args, one, sample, kinds, repeat, **options):
        if one:
            self.stdout.write(json.dumps(bench.measure_one(one, sample)))
            return
        bench.run_all(kinds=[k for k in kinds.split(",") if k], repeat=repeat, out=self.stdout)
