"""Research jobs. Arguments are ids only."""

from celery import shared_task

from research import services


@shared_task(acks_late=True, reject_on_worker_lost=True)
def research_export_build(export_id: int) -> None:
    """Acknowledged only once done: a worker killed mid-build leaves the message to be delivered
    again, and the build starts afresh (or the purge job ends it as failed)."""
    services.export_build(export_id=export_id)


@shared_task(acks_late=True)
def research_exports_purge() -> dict:
    return services.exports_purge()


@shared_task(acks_late=True)
def legacy_import_preview(legacy_id: int, language: str = "") -> None:
    """The dry run behind the coordinator's preview, in the coordinator's language."""
    from django.utils import translation

    from research.legacy import jobs

    with translation.override(language or None):
        jobs.legacy_preview_run(legacy_id=legacy_id)


@shared_task(acks_late=True)
def legacy_import_run(legacy_id: int, language: str = "") -> None:
    from django.utils import translation

    from research.legacy import jobs

    with translation.override(language or None):
        jobs.legacy_import_execute(legacy_id=legacy_id)


@shared_task(acks_late=True)
def legacy_imports_purge() -> int:
    from research.legacy import jobs

    return jobs.legacy_imports_purge()
