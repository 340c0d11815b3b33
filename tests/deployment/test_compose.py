"""docker-compose.yml and the Dockerfile describe the production layout of README.md."""

from pathlib import Path

import pytest
import yaml  # PyYAML comes with drf-spectacular

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_runs_every_part(compose):
    assert {"postgres", "redis", "migrate", "web", "worker", "beat"} <= set(compose["services"])


def test_exactly_one_beat(compose):
    beat = compose["services"]["beat"]
    assert beat.get("deploy", {}).get("replicas", 1) == 1
    assert "beat" in beat["command"]
    for name, service in compose["services"].items():
        if name != "beat":
            assert "beat" not in " ".join(service.get("command") or [])


def test_portal_services_use_postgres_and_redis(compose):
    for name in ("web", "worker", "beat", "migrate"):
        environment = compose["services"][name]["environment"]
        assert environment["DATABASE_URL"].startswith("postgres://")
        assert environment["CELERY_BROKER_URL"].startswith("redis://")


def test_image_serves_with_gunicorn_as_non_root():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert '"gunicorn", "portal.wsgi:application"' in dockerfile
    assert "\nUSER dsr\n" in dockerfile


def test_env_example_names_every_required_key():
    example = (ROOT / ".env.example").read_text()
    for key in ("SECRET_KEY", "PII_ENCRYPTION_KEYS", "PII_HASH_KEY", "ALLOWED_HOSTS"):
        assert f"\n{key}=" in example
