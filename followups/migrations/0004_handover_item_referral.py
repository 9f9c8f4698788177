# A handover now also moves candidates assigned to the departing worker before admission, so each
# item names the referral; the participant is set only for admitted cases. Existing items all
# concern participants: each gets its participant's referral. The column becomes required in the
# next migration (PostgreSQL refuses to alter a table with pending deferred checks in the
# transaction that updated it).

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def referral_of_participant(apps, schema_editor):
    HandoverItem = apps.get_model("followups", "HandoverItem")
    Participant = apps.get_model("referrals", "Participant")
    HandoverItem.objects.update(
        referral_id=Subquery(
            Participant.objects.filter(pk=OuterRef("participant_id")).values("referral_id")[:1]
        )
    )


class Migration(migrations.Migration):
    dependencies = [
        ("followups", "0003_channels_and_notifications_to_core"),
        ("referrals", "0003_assignment_referral_required"),
    ]

    operations = [
        migrations.AddField(
            model_name="handoveritem",
            name="referral",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="referrals.referral",
            ),
        ),
        migrations.RunPython(referral_of_participant, migrations.RunPython.noop),
    ]
