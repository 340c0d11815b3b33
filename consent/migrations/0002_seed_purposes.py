import datetime

from django.db import migrations


def seed(apps, schema_editor):
    from consent import purpose_data as data

    Organisation = apps.get_model("datamap", "Organisation")
    Purpose = apps.get_model("datamap", "Purpose")
    ConsentPurpose = apps.get_model("consent", "ConsentPurpose")
    ConsentText = apps.get_model("consent", "ConsentText")
    valid_from = datetime.datetime.fromisoformat(data.VALID_FROM)
    for position, row in enumerate(data.PURPOSES):
        code, org, purpose, name_sv, name_en, marketing, text_sv, text_en = row
        consent_purpose, _ = ConsentPurpose.objects.update_or_create(
            code=code,
            defaults={
                "organisation": Organisation.objects.get(slug=org),
                "purpose": Purpose.objects.get(code=purpose),
                "name_sv": name_sv,
                "name_en": name_en,
                "direct_marketing": marketing,
                "position": position,
            },
        )
        ConsentText.objects.get_or_create(
            purpose=consent_purpose,
            version=1,
            defaults={"text_sv": text_sv, "text_en": text_en, "valid_from": valid_from},
        )


class Migration(migrations.Migration):
    dependencies = [
        ("consent", "0001_initial"),
        ("datamap", "0002_seed_from_policies"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
