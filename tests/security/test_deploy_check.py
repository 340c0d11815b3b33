"""Production settings pass Django's deployment checklist, warnings included."""

from tests.security.production import manage, production_settings


def test_production_settings_pass_check_deploy_at_warning_level(tmp_path):
    result = manage(tmp_path, "check", "--deploy", "--fail-level", "WARNING")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout + result.stderr


def test_production_refuses_to_start_without_keys(tmp_path):
    result = manage(tmp_path, "check", SECRET_KEY="", PII_HASH_KEY="")

    assert result.returncode != 0
    assert "must be set when DEBUG is off" in result.stderr


def test_production_cookies_are_secure_httponly_and_samesite(tmp_path):
    values = production_settings(
        tmp_path,
        "SESSION_COOKIE_SECURE",
        "SESSION_COOKIE_HTTPONLY",
        "SESSION_COOKIE_SAMESITE",
        "CSRF_COOKIE_SECURE",
        "CSRF_COOKIE_HTTPONLY",
        "CSRF_COOKIE_SAMESITE",
        "LANGUAGE_COOKIE_SECURE",
        "LANGUAGE_COOKIE_HTTPONLY",
        "LANGUAGE_COOKIE_SAMESITE",
    )

    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["SESSION_COOKIE_HTTPONLY"] is True
    assert values["SESSION_COOKIE_SAMESITE"] in ("Lax", "Strict")
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_HTTPONLY"] is True
    assert values["CSRF_COOKIE_SAMESITE"] in ("Lax", "Strict")
    assert values["LANGUAGE_COOKIE_SECURE"] is True
    assert values["LANGUAGE_COOKIE_HTTPONLY"] is True
    assert values["LANGUAGE_COOKIE_SAMESITE"] in ("Lax", "Strict")


def test_production_is_https_only_with_hsts_and_short_sessions(tmp_path):
    values = production_settings(
        tmp_path,
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_CONTENT_TYPE_NOSNIFF",
        "SECURE_REFERRER_POLICY",
        "X_FRAME_OPTIONS",
        "SESSION_COOKIE_AGE",
        "IDENTITY_SESSION_MAX_AGE",
        "DEBUG",
        "DEV_EID_ENABLED",
    )

    assert values["DEBUG"] is False
    assert values["DEV_EID_ENABLED"] is False
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_HSTS_SECONDS"] >= 31_536_000
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert values["SECURE_CONTENT_TYPE_NOSNIFF"] is True
    assert values["SECURE_REFERRER_POLICY"] in ("same-origin", "strict-origin", "no-referrer")
    assert values["X_FRAME_OPTIONS"] == "DENY"
    # A customer session ends after 30 idle minutes and two hours at most.
    assert values["SESSION_COOKIE_AGE"] <= 30 * 60
    assert values["IDENTITY_SESSION_MAX_AGE"] <= 2 * 60 * 60
