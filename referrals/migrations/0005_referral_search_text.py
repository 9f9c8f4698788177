# The participant search compares names without accents or case (issue 10): a column the
# services and the bulk path keep, filled here for existing referrals. The normalisation is
# copied (not imported) so that this migration keeps doing what it did when written.

import unicodedata

from django.db import migrations, models


def search_key(*parts):
    text = unicodedata.normalize("NFKD", " ".join(p or "" for p in parts))
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    return " ".join(text.split())


def fill(apps, schema_editor):
    Referral = apps.get_model("referrals", "Referral")
    batch = []
    for referral in Referral.objects.only("first_name", "last_name", "preferred_name").iterator(
        chunk_size=2000
    ):
        referral.search_text = search_key(
            referral.first_name, referral.last_name, referral.preferred_name
        )
        batch.append(referral)
        if len(batch) >= 2000:
            Referral.objects.bulk_update(batch, ["search_text"])
            batch = []
    Referral.objects.bulk_update(batch, ["search_text"])


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0004_consent_as_the_form_has_it"),
    ]

    operations = [
        migrations.AddField(
            model_name="referral",
            name="search_text",
            field=models.CharField(blank=True, editable=False, max_length=320),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
