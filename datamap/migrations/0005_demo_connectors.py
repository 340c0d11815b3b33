"""Configure the connectors of the seeded systems (the demo CIS, camera index, built-ins)."""

from django.db import migrations

CONSENT_SYSTEM = {
    "code": "consent-ledger",
    "name": "Samtyckesregistret (portalen)",
    "description": "Portalens register över samtycken och spärrlistan för direktreklam.",
}


def configure(apps, schema_editor):
    from datamap import democis

    System = apps.get_model("datamap", "System")
    LegalEntity = apps.get_model("datamap", "LegalEntity")
    for code in ("cis", "camera-index"):
        System.objects.filter(code=code).update(
            connector="sql", connector_config=democis.connector_config(code)
        )
    System.objects.filter(code="portal", connector="builtin").update(
        connector="portal", description="Portalens egna ärenden och meddelanden."
    )
    consent, _created = System.objects.update_or_create(
        code=CONSENT_SYSTEM["code"],
        defaults={**{k: v for k, v in CONSENT_SYSTEM.items() if k != "code"}, "connector": "consent"},
    )
    consent.legal_entities.set(LegalEntity.objects.all())
    marketing = System.objects.filter(code="marketing-tool").first()
    if marketing is not None and not marketing.connector_config:
        marketing.connector_config = {
            "categories": ["subscriptions", "marketing"],
            "due_days": 5,
            "instructions": "Sök kunden på e-postadress i utskicksverktyget.",
        }
        marketing.save(update_fields=["connector_config"])


def unconfigure(apps, schema_editor):
    System = apps.get_model("datamap", "System")
    System.objects.filter(code="portal", connector="portal").update(connector="builtin")
    System.objects.filter(code=CONSENT_SYSTEM["code"]).delete()


class Migration(migrations.Migration):
    dependencies = [("datamap", "0004_manual_tasks_and_connector_kinds")]

    operations = [migrations.RunPython(configure, unconfigure)]
