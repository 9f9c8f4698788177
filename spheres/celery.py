import gc
import os
from pathlib import Path

from celery import Celery
from celery.signals import worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spheres.settings")

app = Celery("spheres")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def _make_filesystem_broker_folders(sender, **kwargs):
    # kombu's filesystem transport (the embedded default) needs its folders to exist.
    options = sender.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        if options.get(key):
            Path(options[key]).mkdir(parents=True, exist_ok=True)


def settle() -> None:
    """Once a worker process has loaded Django and the tasks: move every object alive now
    (modules, models, URL patterns, translations, some 80,000) out of the garbage collector's
    reach, as they live as long as the process. Each full collection would otherwise walk them
    all again (about 2 % of a province-size research export's time)."""
    gc.freeze()


@worker_process_init.connect
def _settle_worker_process(**kwargs):
    settle()
