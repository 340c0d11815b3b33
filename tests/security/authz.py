"""The machinery of the authorisation matrix (tests/security/test_authz_matrix.py).

Every URL pattern of the project is listed from the URL resolver, filled with the ids of
objects made for the test, and requested as each persona. A response is classified into
an outcome label; the matrix says which label each persona must get.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import LocalePrefixPattern, RegexPattern

PERSONAS = (
    "anonymous",
    "customer_a",
    "customer_b",
    "other_staff",
    "staff",
    "dpo",
    "system",
    "other_system",
)

# Outcome labels.
OK = "ok"  # 2xx
REDIRECT = "redirect"  # 3xx somewhere other than a sign-in page or the admin index
LOGIN = "login"  # 302 to the customer sign-in page
ADMIN_LOGIN = "admin_login"  # 302 to the staff sign-in page
# The admin's answer for an object outside the user's queryset: a 302 to its index with
# "does not exist", the same as for an id that does not exist. Existence is not revealed.
ADMIN_HIDDEN = "admin_hidden"


def status(code: int) -> str:
    return str(code)


NOT_FOUND, UNAUTHORISED, FORBIDDEN, NOT_ALLOWED, BAD = "404", "401", "403", "405", "400"


def classify(response) -> str:
    code = response.status_code
    if 200 <= code < 300:
        return OK
    if code in (301, 302, 303, 307, 308):
        path = urlsplit(response["Location"]).path
        if re.match(r"^(/en)?/identity/$", path):
            return LOGIN
        if path == "/admin/login/":
            return ADMIN_LOGIN
        if path == "/admin/":
            return ADMIN_HIDDEN
        return REDIRECT
    return status(code)


def route_key(prefix: str, pattern) -> str:
    """A stable key for a pattern: its route, or a name for a regular expression."""
    if isinstance(pattern.pattern, RegexPattern):
        name = pattern.name or getattr(pattern.callback, "__name__", "regex")
        return f"{prefix}[{name}]"
    return prefix + str(pattern.pattern)


def all_routes() -> list[str]:
    """Every URL pattern of the project, as route keys (default language, no prefix)."""
    keys: set[str] = set()

    def walk(patterns, prefix):
        for item in patterns:
            if isinstance(item, URLResolver):
                part = "" if isinstance(item.pattern, LocalePrefixPattern) else str(item.pattern)
                walk(item.url_patterns, prefix + part)
            elif isinstance(item, URLPattern):
                keys.add(route_key(prefix, item))

    walk(get_resolver().url_patterns, "")
    return sorted(keys)


_CONVERTER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


def fill(route: str, values: dict) -> str:
    """Substitute the converters of a route with values (by parameter name)."""

    def replace(match):
        name = match["name"]
        if name not in values:
            raise KeyError(f"no value for <{name}> in {route}")
        return str(values[name])

    return "/" + _CONVERTER.sub(replace, route)


@dataclass
class Entry:
    """What each persona must get from one URL pattern.

    `path` is the concrete address (a callable of the world, or a dict of converter
    values by parameter name); `expect` maps persona to an outcome label or a set of
    acceptable labels; `default` covers the personas not named.
    """

    path: object = None
    expect: dict = field(default_factory=dict)
    default: object = None
    method: str = "get"
    data: dict | None = None
    why: str = ""

    def outcome_for(self, persona: str):
        expected = self.expect.get(persona, self.default)
        if expected is None:
            raise KeyError(f"no expectation for {persona}")
        return {expected} if isinstance(expected, str) else set(expected)

    def address(self, route: str, world) -> str:
        if callable(self.path):
            return self.path(world)
        if isinstance(self.path, str):
            return self.path
        values = {
            name: value(world) if callable(value) else value
            for name, value in (self.path or {}).items()
        }
        return fill(route, values)
