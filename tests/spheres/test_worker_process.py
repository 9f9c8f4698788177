"""A Celery worker process, once it has loaded Django and the tasks, puts what it loaded out of
the garbage collector's reach (spheres.celery.settle): long exports stop walking it again."""

import gc
import weakref

from celery.signals import worker_process_init

from spheres import celery as worker


def test_each_worker_process_settles_once_started():
    receivers = [
        ref() if isinstance(ref, weakref.ReferenceType) else ref
        for _key, ref in worker_process_init.receivers
    ]
    assert worker._settle_worker_process in receivers


def test_settling_freezes_what_is_loaded():
    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    try:
        worker._settle_worker_process()
        assert gc.get_freeze_count() > 10_000  # Django, the apps, the tasks
    finally:
        gc.unfreeze()
