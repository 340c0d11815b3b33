from django.db import migrations


def seed(apps, schema_editor):
    from datamap import policy_data as data

    Organisation = apps.get_model("datamap", "Organisation")
    LegalEntity = apps.get_model("datamap", "LegalEntity")
    Purpose = apps.get_model("datamap", "Purpose")
    LegalBasis = apps.get_model("datamap", "LegalBasis")
    DataCategory = apps.get_model("datamap", "DataCategory")
    Recipient = apps.get_model("datamap", "Recipient")
    System = apps.get_model("datamap", "System")
    ProcessingActivity = apps.get_model("datamap", "ProcessingActivity")

    orgs = {}
    for row in data.ORGANISATIONS:
        orgs[row["slug"]], _ = Organisation.objects.update_or_create(
            slug=row["slug"], defaults={k: v for k, v in row.items() if k != "slug"}
        )
    entities = {}
    for row in data.LEGAL_ENTITIES:
        values = dict(row, organisation=orgs[row["organisation"]])
        slug = values.pop("slug")
        entities[slug], _ = LegalEntity.objects.update_or_create(slug=slug, defaults=values)
    bases = {}
    for code, article, sv, en, portable in data.LEGAL_BASES:
        bases[code], _ = LegalBasis.objects.update_or_create(
            code=code, defaults={"article": article, "name_sv": sv, "name_en": en, "portable": portable}
        )
    categories = {}
    for code, sv, en, provided in data.DATA_CATEGORIES:
        categories[code], _ = DataCategory.objects.update_or_create(
            code=code, defaults={"name_sv": sv, "name_en": en, "provided_by_subject": provided}
        )
    purposes = {}
    for code, sv, en in data.PURPOSES:
        purposes[code], _ = Purpose.objects.update_or_create(
            code=code, defaults={"name_sv": sv, "name_en": en}
        )
    recipients = {}
    for name, kind, sv, en in data.RECIPIENTS:
        recipients[name], _ = Recipient.objects.update_or_create(
            name=name, defaults={"kind": kind, "description_sv": sv, "description_en": en}
        )
    systems = {}
    for row in data.SYSTEMS:
        system, _ = System.objects.update_or_create(
            code=row["code"],
            defaults={"name": row["name"], "connector": row["connector"], "description": row["description"]},
        )
        slugs = entities.keys() if row["entities"] == "all" else row["entities"]
        system.legal_entities.set([entities[s] for s in slugs])
        systems[row["code"]] = system
    for slugs, purpose, basis, cats, recips, retention, source in data.ACTIVITIES:
        for slug in slugs:
            activity, _ = ProcessingActivity.objects.update_or_create(
                legal_entity=entities[slug],
                purpose=purposes[purpose],
                legal_basis=bases[basis],
                defaults={
                    "retention_sv": retention[0],
                    "retention_en": retention[1],
                    "source_sv": source[0],
                    "source_en": source[1],
                },
            )
            activity.categories.set([categories[c] for c in cats])
            activity.recipients.set([recipients[r] for r in recips])
            in_system = ["camera-index"] if cats == ["camera-footage"] else ["cis", "portal"]
            if "subscriptions" in cats:
                in_system.append("marketing-tool")
            activity.systems.set([systems[s] for s in in_system])


class Migration(migrations.Migration):
    dependencies = [("datamap", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
