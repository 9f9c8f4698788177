from django.db import migrations, models

from followups import failedcount


def install(apps, schema_editor):
    failedcount.install(schema_editor.connection)
    failedcount.rebuild(schema_editor.connection.alias)


def uninstall(apps, schema_editor):
    failedcount.uninstall(schema_editor.connection)


class Migration(migrations.Migration):
    """The failed attempts since the last contact, kept per follow-up by triggers (the column is
    added first: on SQLite, adding it rebuilds the table, which would drop its triggers)."""

    dependencies = [
        ("followups", "0013_weeklynote_author_participant_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="followup",
            name="failed_since_contact",
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
        migrations.AddIndex(
            model_name="followup",
            index=models.Index(
                condition=models.Q(("failed_since_contact__gt", 0), ("status", "active")),
                fields=["failed_since_contact"],
                name="followup_failing",
            ),
        ),
        migrations.RunPython(install, uninstall),
    ]
