from django.db import migrations

OLD = {
    "handling_time_sv": "1–2 månader beroende på mängden ärenden",
    "handling_time_en": "1–2 months depending on the number of requests",
}
NEW = {
    "handling_time_sv": "inom 1–2 månader beroende på mängden ärenden",
    "handling_time_en": "within 1–2 months depending on the number of requests",
}


def within(apps, schema_editor):
    """Landskrona's promise reads "answers within 1-2 months" (the seeded text lacked "within")."""
    Organisation = apps.get_model("datamap", "Organisation")
    for field, old in OLD.items():
        Organisation.objects.filter(**{field: old}).update(**{field: NEW[field]})


class Migration(migrations.Migration):
    dependencies = [("datamap", "0008_manual_task_review")]

    operations = [migrations.RunPython(within, migrations.RunPython.noop)]
