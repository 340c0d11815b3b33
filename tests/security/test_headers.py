"""Security headers on every kind of page: portal, sign-in, staff admin, API, API docs."""

import re

import pytest
from django.test import Client

from rights_requests import roles
from rights_requests.models import Status
from tests.api.conftest import sign_in_customer
from tests.rights_requests.factories import request_in
from tests.staff.conftest import make_staff, verified_client

PUBLIC_PAGES = [
    "/",
    "/en/",
    "/identity/",
    "/admin/login/",
    "/api/docs/",
    "/api/schema/",
    "/health/",
]


def csp_directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def assert_strict_csp(response):
    directives = csp_directives(response)
    header = response["Content-Security-Policy"]
    assert "unsafe-inline" not in header and "unsafe-eval" not in header, header
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_every_page_has_a_strict_csp_and_the_other_headers(db, path):
    response = Client().get(path, secure=True)

    assert response.status_code < 500
    assert_strict_csp(response)
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    hsts = response["Strict-Transport-Security"]
    assert int(re.search(r"max-age=(\d+)", hsts).group(1)) >= 31_536_000
    assert "includeSubDomains" in hsts


def test_api_errors_carry_the_headers_too(db):
    response = Client().post("/api/v1/requests/", "{", content_type="application/json", secure=True)

    assert response.status_code == 401
    assert_strict_csp(response)
    assert response["X-Content-Type-Options"] == "nosniff"


# The staff admin: the same CSP, so its pages must carry no inline script, style or handler.
_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>\s*\S", re.I)
_INLINE_STYLE = re.compile(r"<style\b|\sstyle=", re.I)
_HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)
_JS_URL = re.compile(r"javascript:", re.I)


def assert_no_inline_code(html: str, path: str):
    for name, pattern in [
        ("inline script", _INLINE_SCRIPT),
        ("inline style", _INLINE_STYLE),
        ("event handler attribute", _HANDLER),
        ("javascript: URL", _JS_URL),
    ]:
        match = pattern.search(html)
        assert match is None, (
            f"{path}: {name} near {html[max(match.start() - 80, 0) : match.end() + 80]!r}"
        )


@pytest.fixture
def admin_pages(elnat, make_subject, kalmar):
    request = request_in(Status.IN_PROGRESS, make_subject(), elnat)
    return [
        "/admin/",
        "/admin/rights_requests/rightsrequest/",
        f"/admin/rights_requests/rightsrequest/{request.pk}/change/",
        "/admin/rights_requests/datasubject/",
        f"/admin/rights_requests/datasubject/{request.subject_id}/change/",
        "/admin/rights_requests/rightsrequest/register/",
        "/admin/dashboard/",
        "/admin/otp/recovery-codes/",
        "/admin/password_change/",
    ]


def test_the_staff_admin_pages_need_no_inline_code(admin_pages, kalmar):
    dpo = make_staff("csp.dpo", roles.DPO, organisations=[kalmar])
    client = verified_client(dpo)
    checked = 0
    for path in admin_pages:
        response = client.get(path, secure=True)
        if response.status_code == 404:
            continue  # an address another part may not have yet
        assert response.status_code == 200, (path, response.status_code)
        assert_strict_csp(response)
        assert_no_inline_code(response.content.decode(), path)
        checked += 1
    login = Client().get("/admin/login/", secure=True)
    assert_no_inline_code(login.content.decode(), "/admin/login/")
    assert checked >= 5


def test_the_portal_pages_need_no_inline_code(db, make_subject):
    client = sign_in_customer(Client(), make_subject())
    for path in ["/", "/en/", "/identity/"]:
        response = client.get(path, secure=True)
        assert response.status_code == 200, path
        assert_no_inline_code(response.content.decode(), path)


def test_the_api_docs_page_has_no_inline_script(db):
    page = Client().get("/api/docs/", secure=True)
    script = Client().get("/api/docs/?script=", secure=True)

    assert page.status_code == 200
    assert_no_inline_code(page.content.decode(), "/api/docs/")
    assert "http://" not in page.content.decode() and "https://" not in page.content.decode()
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")


def test_the_session_cookie_is_httponly_and_samesite(db, make_subject):
    client = sign_in_customer(Client(), make_subject())
    response = client.get("/en/", secure=True)
    assert "sessionid" in response.cookies  # saved on every request (idle timeout)
    cookie = response.cookies["sessionid"]

    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
