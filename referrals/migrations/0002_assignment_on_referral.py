# A worker is now assigned to the candidate's referral, from screening on, before admission; the
# assignment is linked to the participant at admission. Existing assignments all belong to
# admitted participants: each gets its participant's referral. Uniqueness (one active worker per
# role, a worker once per case) moves from the participant to the referral, which covers both.
# The constraints change in the next migration (PostgreSQL refuses to alter a table with
# pending deferred checks in the transaction that updated it).

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def referral_of_participant(apps, schema_editor):
    Assignment = apps.get_model("referrals", "Assignment")
    Participant = apps.get_model("referrals", "Participant")
    Assignment.objects.update(
        referral_id=Subquery(
            Participant.objects.filter(pk=OuterRef("participant_id")).values("referral_id")[:1]
        )
    )


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="assignment",
            name="referral",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="assignments",
                to="referrals.referral",
            ),
        ),
        migrations.RunPython(referral_of_participant, migrations.RunPython.noop),
    ]
