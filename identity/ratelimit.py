"""Rate limits counted in the database, shared by every process (Issue 3, scope item 8).

`hit(scope, key, limit=, window=)` records one attempt and says whether it is allowed.
Counters live in fixed windows, one row per (scope, key, window); the row is created
or incremented with an `INSERT ... ON CONFLICT DO UPDATE ... RETURNING` (one statement
for all the limits a form checks, `hit_many`), which is atomic on both SQLite (3.35+)
and PostgreSQL, so two processes can never both take the last allowed attempt.

To avoid the burst that plain fixed windows allow at a boundary (limit hits at the end
of one window and limit more at the start of the next), the decision uses the sliding
window estimate: hits in this window plus the previous window's hits weighted by how
much of it still lies inside the sliding window. The estimate never under-counts a
burst by more than that weighting, and a burst is never allowed above `limit` within
any one fixed window.

Keys are stored only as an HMAC (keyed with SECRET_KEY), never as the raw e-mail
address, personal number or IP address. Refused attempts count too: an attacker who
keeps trying keeps the limit closed.
"""

from __future__ import annotations

import ipaddress
import random
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import salted_hmac

from identity.models import RateLimitCounter

# Roughly one call in fifty also deletes expired counters; the nightly task does the rest.
_PRUNE_PROBABILITY = 0.02


def key_hash(scope: str, key: str) -> str:
    """Return the HMAC under which `key` is counted in `scope`."""
    return salted_hmac(f"identity.ratelimit.{scope}", key, algorithm="sha256").hexdigest()


def normalise_email(email: str) -> str:
    """Fold an e-mail address so that case variants share one counter."""
    return email.strip().lower()


def client_ip(request) -> str:
    """Return the client's address as a rate-limit key.

    Behind N trusted reverse proxies (IDENTITY_TRUSTED_PROXY_COUNT), the client is the
    N-th address from the right of X-Forwarded-For; the ones further left are whatever
    the client claimed. An IPv6 client is counted by its /64 network, since one
    household or server usually holds a whole /64.
    """
    address = request.META.get("REMOTE_ADDR", "")
    proxies = int(getattr(settings, "IDENTITY_TRUSTED_PROXY_COUNT", 0))
    if proxies > 0:
        forwarded = [
            part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        ]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= proxies:
            address = forwarded[-proxies]
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return "unknown"
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


def hit(scope: str, key: str, *, limit: int, window: timedelta) -> bool:
    """Record one attempt of `key` in `scope`; return True if it is within the limit."""
    return hit_many([(scope, key, limit, window)])[0]


def hit_many(attempts: list[tuple[str, str, int, timedelta]]) -> list[bool]:
    """Record one attempt under each (scope, key, limit, window); say which are within limits.

    Every counter is incremented by one multi-row `INSERT ... ON CONFLICT DO UPDATE ...
    RETURNING`, and the previous windows are read by one SELECT: two statements however
    many limits a form checks (the filing form checks four).
    """
    now = timezone.now()
    epoch = now.timestamp()
    counters: dict[tuple[str, str, int, int], list] = {}
    keyed = []
    for scope, key, limit, window in attempts:
        if limit < 1:
            raise ValueError("limit must be at least 1")
        seconds = int(window.total_seconds())
        if seconds < 1:
            raise ValueError("window must be at least one second")
        start = int(epoch // seconds) * seconds
        counter = (scope, key_hash(scope, key), seconds, start)
        # The same counter twice in one call is counted twice, in one row of the INSERT
        # (PostgreSQL refuses to update a row twice in one statement).
        counters.setdefault(counter, [0, now + 2 * window])[0] += 1
        keyed.append((counter, limit))
    current = _increment(counters)
    previous_q = Q()
    for scope, hashed, seconds, start in counters:
        previous_q |= Q(
            scope=scope, key_hash=hashed, window_seconds=seconds, window_start=start - seconds
        )
    previous = {
        (scope, hashed, seconds, start + seconds): hits
        for scope, hashed, seconds, start, hits in RateLimitCounter.objects.filter(
            previous_q
        ).values_list("scope", "key_hash", "window_seconds", "window_start", "hits")
    }
    allowed = []
    for counter, limit in keyed:
        hits, seconds, start = current[counter], counter[2], counter[3]
        overlap = 1 - (epoch - start) / seconds
        allowed.append(hits <= limit and hits + previous.get(counter, 0) * overlap <= limit)
    if random.random() < _PRUNE_PROBABILITY:  # noqa: S311 - not security relevant
        prune()
    return allowed


def attempts(scope: str, key: str, *, window: timedelta) -> int:
    """Return the hits of `key` in the current fixed window (for tests and the admin)."""
    seconds = int(window.total_seconds())
    start = int(timezone.now().timestamp() // seconds) * seconds
    return (
        RateLimitCounter.objects.filter(
            scope=scope, key_hash=key_hash(scope, key), window_seconds=seconds, window_start=start
        )
        .values_list("hits", flat=True)
        .first()
        or 0
    )


def clear(scope: str, key: str) -> None:
    """Forget every counter of `key` in `scope` (e.g. after a successful sign-in)."""
    RateLimitCounter.objects.filter(scope=scope, key_hash=key_hash(scope, key)).delete()


def prune() -> int:
    """Delete counters whose windows can no longer affect a decision; return how many."""
    deleted, _ = RateLimitCounter.objects.filter(expires_at__lt=timezone.now()).delete()
    return deleted


def _increment(counters: dict[tuple[str, str, int, int], list]) -> dict[tuple, int]:
    """Add each counter's hits in one statement; return every counter's new total."""
    table = connection.ops.quote_name(RateLimitCounter._meta.db_table)
    expires_field = RateLimitCounter._meta.get_field("expires_at")
    rows, params = [], []
    for (scope, hashed, seconds, start), (hits, expires_at) in counters.items():
        rows.append("(%s, %s, %s, %s, %s, %s)")
        params += [
            scope,
            hashed,
            seconds,
            start,
            hits,
            expires_field.get_db_prep_value(expires_at, connection),
        ]
    sql = (
        f"INSERT INTO {table} (scope, key_hash, window_seconds, window_start, hits, expires_at) "
        f"VALUES {', '.join(rows)} "
        "ON CONFLICT (scope, key_hash, window_seconds, window_start) "
        f"DO UPDATE SET hits = {table}.hits + excluded.hits "
        "RETURNING scope, key_hash, window_seconds, window_start, hits"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {tuple(row[:4]): int(row[4]) for row in cursor.fetchall()}
