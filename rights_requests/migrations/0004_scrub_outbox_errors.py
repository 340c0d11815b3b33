"""Mask e-mail addresses and personal numbers in the errors kept on older outbox rows.

Since 98b0951 an error is masked when it is recorded (rights_requests.outbox.scrub);
rows written before still hold the text as the SMTP server or the database gave it,
and the dashboard and the background-work list show it to staff without recording a
view of personal data. Masking is idempotent, so running this again changes nothing.
There is nothing to undo: the unmasked text is not kept.
"""

from django.db import migrations

BATCH = 500


def scrub_errors(apps, schema_editor):
    from rights_requests.outbox import scrub

    Outbox = apps.get_model("rights_requests", "Outbox")
    rows = Outbox.objects.using(schema_editor.connection.alias).exclude(last_error="")
    changed = []
    for row in rows.only("pk", "last_error").iterator(chunk_size=BATCH):
        masked = scrub(row.last_error)[:2000]
        if masked != row.last_error:
            row.last_error = masked
            changed.append(row)
        if len(changed) >= BATCH:
            Outbox.objects.using(schema_editor.connection.alias).bulk_update(
                changed, ["last_error"]
            )
            changed = []
    if changed:
        Outbox.objects.using(schema_editor.connection.alias).bulk_update(changed, ["last_error"])


class Migration(migrations.Migration):
    dependencies = [("rights_requests", "0003_field_names")]

    operations = [migrations.RunPython(scrub_errors, migrations.RunPython.noop, elidable=True)]
