"""The strict CSP in a real browser: the staff admin and the API docs break none of it.

Chromium reports every blocked inline script, inline style or foreign resource as a
`securitypolicyviolation` event; the pages must raise none.
"""

import pytest
from django.conf import settings as django_settings

from identity.levels import IdentityLevel
from rights_requests import roles
from tests.rights_requests.factories import file_request
from tests.staff.conftest import make_staff, verified_client

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""


@pytest.fixture
def browser(chromium):
    """The run's shared Chromium (tests/conftest.py)."""
    return chromium


@pytest.fixture
def seeded(transactional_db):
    """The data migrations' seed, made sure of (a transactional test empties the tables)."""
    from importlib import import_module

    from django.apps import apps

    import_module("datamap.migrations.0002_seed_from_policies").seed(apps, None)


def visit_all(browser, base_url, paths, cookies=()):
    context = browser.new_context()
    context.add_init_script(RECORD_VIOLATIONS)
    if cookies:
        context.add_cookies(list(cookies))
    page = context.new_page()
    page.set_default_timeout(15_000)
    problems = []
    page.on(
        "response",
        lambda r: r.status >= 400 and problems.append(f"{r.status} {r.url}"),
    )
    for path in paths:
        response = page.goto(base_url + path)
        assert response.status == 200, (path, response.status)
        page.wait_for_load_state("networkidle")
        problems += [f"{path}: {v}" for v in page.evaluate("window.__csp")]
    context.close()
    return problems


def test_the_staff_admin_runs_under_the_strict_csp(browser, live_server, seeded):
    from datamap.models import LegalEntity, Organisation
    from rights_requests.models import DataSubject
    from tests.conftest import make_personal_number

    kalmar = Organisation.objects.get(code="KE")
    elnat = LegalEntity.objects.get(slug="kalmar-energi-elnat")
    subject = DataSubject(first_name="Cecilia", last_name="Csp", email="c@example.org")
    subject.set_personal_number(make_personal_number("19750505", "101"))
    subject.save()
    request = file_request(subject, elnat, level=IdentityLevel.HIGH)
    dpo = make_staff("csp.browser.dpo", roles.DPO, organisations=[kalmar])
    session = verified_client(dpo).cookies[django_settings.SESSION_COOKIE_NAME].value
    cookie = {"name": django_settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}

    problems = visit_all(
        browser,
        live_server.url,
        [
            "/admin/",
            "/admin/rights_requests/rightsrequest/",
            f"/admin/rights_requests/rightsrequest/{request.pk}/change/",
            "/admin/rights_requests/rightsrequest/register/",
            "/admin/dashboard/",
            "/admin/datamap/processingactivity/",
        ],
        cookies=[cookie],
    )

    assert not problems, "\n".join(problems)


def test_the_api_docs_run_under_the_strict_csp(browser, live_server, seeded):
    problems = visit_all(browser, live_server.url, ["/api/docs/"])

    assert not problems, "\n".join(problems)


def test_the_sign_in_page_runs_under_the_strict_csp(browser, live_server, seeded):
    problems = visit_all(browser, live_server.url, ["/admin/login/", "/identity/", "/"])

    assert not problems, "\n".join(problems)


def test_control_an_inline_script_is_reported(browser, live_server, seeded):
    """Control: an inline script on a CSP page is reported (so silence above means something)."""
    context = browser.new_context()
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    page.goto(live_server.url + "/identity/")
    page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = '1'; document.body.appendChild(s); }"
    )
    page.wait_for_timeout(200)
    violations = page.evaluate("window.__csp")
    context.close()

    assert any("script-src" in v for v in violations), violations
