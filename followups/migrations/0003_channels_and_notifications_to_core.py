# One channel vocabulary (contact attempts said "call" where notes said "phone"), and in-app
# notifications moved to the core app (spheres.Notification): rows are copied, then the old table
# is dropped. Reversible.

from django.db import migrations, models

NOTICE_FIELDS = ["recipient_id", "kind", "participant_id", "count", "created_at", "read_at"]


def calls_are_phone(apps, schema_editor):
    apps.get_model("followups", "ContactAttempt").objects.filter(channel="call").update(
        channel="phone"
    )


def phone_is_call(apps, schema_editor):
    apps.get_model("followups", "ContactAttempt").objects.filter(channel="phone").update(
        channel="call"
    )


def copy(source, target):
    rows = source.objects.order_by("pk").values(*NOTICE_FIELDS)
    target.objects.bulk_create([target(**row) for row in rows], batch_size=1000)


def notices_to_core(apps, schema_editor):
    copy(apps.get_model("followups", "Notification"), apps.get_model("spheres", "Notification"))


def notices_back(apps, schema_editor):
    copy(apps.get_model("spheres", "Notification"), apps.get_model("followups", "Notification"))


class Migration(migrations.Migration):
    dependencies = [
        ("followups", "0002_handover"),
        ("spheres", "0002_notification"),
    ]

    operations = [
        migrations.RunPython(calls_are_phone, phone_is_call),
        migrations.AlterField(
            model_name="contactattempt",
            name="channel",
            field=models.CharField(
                choices=[
                    ("phone", "Phone"),
                    ("text", "Text message"),
                    ("messenger", "Messenger"),
                    ("email", "E-mail"),
                    ("in_person", "In person"),
                    ("other_worker", "Through another worker"),
                    ("police", "Through the police"),
                ],
                max_length=20,
                verbose_name="channel",
            ),
        ),
        migrations.RunPython(notices_to_core, notices_back),
        migrations.DeleteModel(name="Notification"),
    ]
