# Second step of 0004: every handover item names its referral; the participant is optional
# (candidates not yet admitted). Reversible: going back drops the items about candidates.

import django.db.models.deletion
from django.db import migrations, models


def drop_candidate_items(apps, schema_editor):
    apps.get_model("followups", "HandoverItem").objects.filter(participant__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("followups", "0004_handover_item_referral"),
    ]

    operations = [
        migrations.AlterField(
            model_name="handoveritem",
            name="referral",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="referrals.referral",
            ),
        ),
        migrations.AlterField(
            model_name="handoveritem",
            name="participant",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="referrals.participant",
            ),
        ),
        # Backwards only, first of all: rows the old schema cannot hold.
        migrations.RunPython(migrations.RunPython.noop, drop_candidate_items),
    ]
