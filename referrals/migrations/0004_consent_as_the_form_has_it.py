# The consent record as the program's form has it: the research-use clause of the program consent
# (agreed / struck out, with its own withdrawable "research_use" consent when agreed), the worker
# who signed the declaration of responsibility, the signed copy given, confidentiality explained.
#
# Existing rows, migrated without inventing anything:
# - program consents get research_clause "not_recorded": the clause was never asked, so no
#   research use is assumed (no "research_use" consent is created; the file asks for it);
#   declaration_signed_by, copy_given and confidentiality_explained stay empty (unknown), while
#   worker_declaration keeps what was ticked;
# - "research" consents were recorded on the research team's own form (own date and version):
#   they stay what they are, the research-study consent (questionnaires and interviews).
# Backwards, "research_use" rows cannot be told apart in the old schema: they are deleted.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def program_clause_not_recorded(apps, schema_editor):
    Consent = apps.get_model("referrals", "Consent")
    Consent.objects.filter(kind="program").update(research_clause="not_recorded")


def drop_research_use(apps, schema_editor):
    apps.get_model("referrals", "Consent").objects.filter(kind="research_use").delete()


class Migration(migrations.Migration):

    dependencies = [
        ('referrals', '0003_assignment_referral_required'),
        ('spheres', '0002_notification'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='consent',
            name='confidentiality_explained',
            field=models.BooleanField(blank=True, null=True, verbose_name='confidentiality and information sharing were explained'),
        ),
        migrations.AddField(
            model_name='consent',
            name='copy_given',
            field=models.BooleanField(blank=True, null=True, verbose_name='a signed copy was given to the participant'),
        ),
        migrations.AddField(
            model_name='consent',
            name='declaration_signed_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='worker who signed the declaration of responsibility'),
        ),
        migrations.AddField(
            model_name='consent',
            name='research_clause',
            field=models.CharField(blank=True, choices=[('agreed', 'Agreed'), ('struck_out', 'Struck out (declined)'), ('not_recorded', 'Not recorded')], max_length=20, verbose_name='research-use clause'),
        ),
        migrations.RunPython(program_clause_not_recorded, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='consent',
            name='kind',
            field=models.CharField(choices=[('program', 'Program consent'), ('sharing', 'Information sharing'), ('research_use', 'Research use of the information (program form clause)'), ('research', 'Research study consent (questionnaires and interviews)')], max_length=20, verbose_name='kind'),
        ),
        migrations.AddConstraint(
            model_name='consent',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('kind', 'program'), models.Q(('research_clause', ''), _negated=True)), models.Q(models.Q(('kind', 'program'), _negated=True), ('research_clause', '')), _connector='OR'), name='consent_research_clause_on_program_consent'),
        ),
        migrations.AddConstraint(
            model_name='consent',
            constraint=models.CheckConstraint(condition=models.Q(('declaration_signed_by__isnull', True), ('worker_declaration', True), _connector='OR'), name='consent_signer_means_declaration'),
        ),
        # Backwards only, first of all: rows the old schema cannot hold.
        migrations.RunPython(migrations.RunPython.noop, drop_research_use),
    ]
