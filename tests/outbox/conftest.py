"""Fixtures for the outbox, notice and reminder tests."""

import io

import pytest
from django.core.management import call_command
from kombu.exceptions import OperationalError as BrokerError

from rights_requests import roles
from tests.staff.conftest import make_staff


@pytest.fixture(scope="session")
def swedish_catalogue():
    """The Swedish catalogue, compiled from locale/*/parts/*.po as `make install` does."""
    from asgiref.local import Local
    from django.utils.translation import trans_real

    call_command("compiletranslations", stdout=io.StringIO())
    trans_real._default = None  # what Django does when LOCALE_PATHS change
    trans_real._active = Local()
    trans_real._translations = {}


@pytest.fixture
def broker_down(monkeypatch):
    """Make every publish of an outbox task fail as it does when Redis is down."""
    from rights_requests import tasks

    calls = []

    def refuse(*args, **kwargs):
        calls.append(args)
        raise BrokerError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.run_outbox, "apply_async", refuse)
    return calls


@pytest.fixture
def dpo_kalmar(kalmar):
    return make_staff("dora.dpo", roles.DPO, organisations=[kalmar])


@pytest.fixture
def dpo_landskrona(landskrona):
    return make_staff("lisa.dpo", roles.DPO, organisations=[landskrona])


@pytest.fixture
def elnat_worker(elnat):
    return make_staff("eva.elnat", roles.CUSTOMER_SERVICE, entities=[elnat])
