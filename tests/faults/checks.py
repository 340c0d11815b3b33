"""What every fault test checks at the end: each effect exactly once, states as expected."""

import re
import time
from collections import Counter

from rights_requests import outbox, workflow
from rights_requests.models import Outbox, RequestEvent

HEADER = re.compile(r"^X-DSR-Outbox: (\S+)", re.MULTILINE)


def mail_keys(worker) -> Counter:
    """How many e-mails the worker sent for each outbox key."""
    return Counter(key for message in worker.mails() for key in HEADER.findall(message))


def run_beat_until(predicate, *, timeout: float = 90, what: str = "every effect done"):
    """Fire the outbox sweep every half second, as beat would, until `predicate()` holds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            rows = list(
                Outbox.objects.values_list("idempotency_key", "status", "attempts", "last_error")
            )
            raise AssertionError(f"timed out waiting for {what}; outbox: {rows}")
        outbox.requeue_stale()
        time.sleep(0.5)


def all_done() -> bool:
    return not Outbox.objects.exclude(status=Outbox.State.DONE).exists()


def assert_each_effect_once(worker) -> None:
    """Every row done; one e-mail per e-mail row; one notice.sent event per notice row."""
    rows = list(Outbox.objects.all())
    assert rows, "the test made no effects"
    assert [r.idempotency_key for r in rows if r.status != Outbox.State.DONE] == []
    sent = mail_keys(worker)
    expected = {r.idempotency_key for r in rows if r.kind in outbox.EMAIL_KINDS}
    assert set(sent) == expected, (sorted(sent), sorted(expected))
    doubled = {key: n for key, n in sent.items() if n != 1}
    assert doubled == {}, f"e-mails sent more than once: {doubled}"
    events = Counter(
        event.data.get("outbox") for event in RequestEvent.objects.filter(kind="notice.sent")
    )
    notices = {r.idempotency_key for r in rows if r.kind == Outbox.Kind.NOTICE}
    assert set(events) == notices
    assert all(n == 1 for n in events.values()), events
    assert workflow.verify_chain() == []
