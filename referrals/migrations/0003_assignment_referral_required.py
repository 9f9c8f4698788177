# Second step of 0002: every assignment now names its referral; uniqueness moves from the
# participant to the referral, which covers candidates and participants alike.
# Reversible: going back drops the assignments of candidates not yet admitted (the old schema
# cannot hold them).

import django.db.models.deletion
from django.db import migrations, models


def drop_candidate_assignments(apps, schema_editor):
    apps.get_model("referrals", "Assignment").objects.filter(participant__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0002_assignment_on_referral"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="assignment", name="assignment_one_active_per_role"
        ),
        migrations.RemoveConstraint(
            model_name="assignment", name="assignment_worker_once_per_participant"
        ),
        migrations.AlterField(
            model_name="assignment",
            name="referral",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="assignments",
                to="referrals.referral",
            ),
        ),
        migrations.AlterField(
            model_name="assignment",
            name="participant",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="assignments",
                to="referrals.participant",
            ),
        ),
        migrations.AddConstraint(
            model_name="assignment",
            constraint=models.UniqueConstraint(
                condition=models.Q(("ended_at__isnull", True)),
                fields=("referral", "role"),
                name="assignment_one_active_per_role",
            ),
        ),
        migrations.AddConstraint(
            model_name="assignment",
            constraint=models.UniqueConstraint(
                condition=models.Q(("ended_at__isnull", True)),
                fields=("referral", "worker"),
                name="assignment_worker_once_per_referral",
            ),
        ),
        # Backwards only, first of all: rows the old schema cannot hold.
        migrations.RunPython(migrations.RunPython.noop, drop_candidate_assignments),
    ]
