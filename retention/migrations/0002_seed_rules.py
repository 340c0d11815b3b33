from django.db import migrations


def seed(apps, schema_editor):
    from retention import rule_data

    ProcessingActivity = apps.get_model("datamap", "ProcessingActivity")
    RetentionRule = apps.get_model("retention", "RetentionRule")
    pairs = set(
        ProcessingActivity.categories.through.objects.values_list(
            "processingactivity__legal_entity_id",
            "processingactivity__legal_entity__slug",
            "datacategory_id",
            "datacategory__code",
        )
    )
    for entity_id, slug, category_id, code in sorted(pairs):
        rule = rule_data.rule_for(slug, code)
        if rule is None:
            continue
        years, months, days, runs_from, reference, action, note = rule
        RetentionRule.objects.get_or_create(
            legal_entity_id=entity_id,
            category_id=category_id,
            defaults={
                "period_years": years,
                "period_months": months,
                "period_days": days,
                "runs_from": runs_from,
                "legal_reference": reference,
                "action": action,
                "note": note,
            },
        )


class Migration(migrations.Migration):
    dependencies = [
        ("retention", "0001_initial"),
        ("datamap", "0002_seed_from_policies"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
