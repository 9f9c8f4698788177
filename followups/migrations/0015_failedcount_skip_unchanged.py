from django.db import migrations

from followups import failedcount


def reinstall(apps, schema_editor):
    failedcount.install(schema_editor.connection)


class Migration(migrations.Migration):
    """The triggers of 0014 written again: a follow-up row is updated only when its count
    changes (the same count, one row version fewer per note with meetings)."""

    dependencies = [
        ("followups", "0014_followup_failed_since_contact"),
    ]

    operations = [migrations.RunPython(reinstall, migrations.RunPython.noop)]
