"""The data migration that masks the errors kept on outbox rows written before masking."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from datamap.pii import luhn_check_digit

NUMBER = f"19811218-987{luhn_check_digit('811218987')}"  # a valid check digit: masked

BEFORE = [("rights_requests", "0003_field_names")]
AFTER = [("rights_requests", "0004_scrub_outbox_errors")]


@pytest.fixture
def migrator():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    yield executor
    executor = MigrationExecutor(connection)  # back to the latest state for the other tests
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_older_errors_are_masked_and_clean_ones_left_alone(migrator):
    executor = migrator
    old = executor.loader.project_state(BEFORE).apps
    Outbox = old.get_model("rights_requests", "Outbox")
    refused = Outbox.objects.create(
        kind="email",
        idempotency_key="scrub-1",
        status="failed",
        last_error="SMTPRecipientsRefused: {'anna.svensson@example.org': (550, b'no such user')}",
    )
    quoted = Outbox.objects.create(
        kind="email",
        idempotency_key="scrub-2",
        status="failed",
        last_error=f"IntegrityError: Key (personal_number)=({NUMBER}) already exists.",
    )
    clean = Outbox.objects.create(
        kind="email",
        idempotency_key="scrub-3",
        status="failed",
        last_error="TimeoutError: timed out",
    )
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps.get_model("rights_requests", "Outbox")
    errors = dict(new.objects.values_list("pk", "last_error"))
    assert "anna.svensson@example.org" not in errors[refused.pk]
    assert "SMTPRecipientsRefused" in errors[refused.pk] and "550" in errors[refused.pk]
    assert NUMBER not in errors[quoted.pk]
    assert errors[quoted.pk].startswith("IntegrityError: Key (personal_number)=(19811218-")
    assert errors[clean.pk] == "TimeoutError: timed out"
