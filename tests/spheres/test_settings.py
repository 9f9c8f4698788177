"""Production settings pass Django's deployment checks; bad configuration fails loudly."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION_ENV = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "x7Qp2-production-like-secret-key-with-enough-entropy-9f8e7d6c5b4a",
    "DJANGO_ALLOWED_HOSTS": "spheres.example.org",
    "SPHERES_MFA_ENCRYPTION_KEY": "ZmFrZS10ZXN0LWtleS0zMmJ5dGVzLWxvbmctZm9yLXQ=",
    "SPHERES_RESEARCH_ID_KEY": "production-like-research-id-key-with-enough-entropy-42",
    "DATABASE_URL": "sqlite:////tmp/spheres-deploy-check.sqlite3",
    "CACHE_URL": "redis://127.0.0.1:6379/5",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/4",
    "EMAIL_URL": "smtp+tls://spheres%40example.org:secret@smtp.example.org:587",
}


def run_manage(*args, env_overrides, drop=()):
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SPHERES_", "EMAIL_"))
    }
    env.update(env_overrides)
    for key in drop:
        env.pop(key, None)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_settings_pass_the_deployment_checks_without_a_warning():
    result = run_manage(
        "check", "--deploy", "--fail-level", "WARNING", env_overrides=PRODUCTION_ENV
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_requires_mfa_by_default():
    result = run_manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.SPHERES_REQUIRE_MFA)",
        env_overrides=PRODUCTION_ENV,
    )
    assert result.stdout.strip().splitlines()[-1] == "True", result.stderr


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("DJANGO_SECRET_KEY", "DJANGO_SECRET_KEY is required"),
        ("SPHERES_MFA_ENCRYPTION_KEY", "SPHERES_MFA_ENCRYPTION_KEY is required"),
        ("SPHERES_RESEARCH_ID_KEY", "SPHERES_RESEARCH_ID_KEY is required"),
        ("DJANGO_ALLOWED_HOSTS", "DJANGO_ALLOWED_HOSTS is required"),
        ("EMAIL_URL", "EMAIL_URL is required"),
    ],
)
def test_a_missing_secret_in_production_fails_with_a_clear_message(missing, message):
    result = run_manage("check", env_overrides=PRODUCTION_ENV, drop=[missing])
    assert result.returncode != 0
    assert message in result.stderr


def test_a_per_process_cache_is_refused():
    result = run_manage("check", env_overrides={**PRODUCTION_ENV, "CACHE_URL": "locmemcache://"})
    assert result.returncode != 0
    assert "CACHE_URL" in result.stderr


def test_a_malformed_boolean_is_refused():
    result = run_manage("check", env_overrides={**PRODUCTION_ENV, "DJANGO_DEBUG": "maybe"})
    assert result.returncode != 0
    assert "DJANGO_DEBUG must be a boolean" in result.stderr


@pytest.mark.django_db
def test_every_response_carries_the_security_headers(client, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    response = client.get(reverse("account_login"), secure=True)
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    for directive in (
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "script-src 'self'",
    ):
        assert directive in csp
    assert "unsafe-inline" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_pages_with_personal_data_are_not_cached(login, personas):
    response = login(personas["coordinator"]).get(reverse("home"))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


@pytest.mark.django_db
def test_session_and_csrf_cookies_are_secure_and_http_only(client, personas):
    client.get(reverse("account_login"), secure=True)
    response = client.post(
        reverse("account_login"),
        {"login": personas["coordinator"].email, "password": "Correct-horse-battery-42"},
        secure=True,
    )
    session_cookie = response.cookies["sessionid"]
    assert session_cookie["secure"] and session_cookie["httponly"]
    csrf_cookie = client.cookies["csrftoken"]
    assert csrf_cookie["secure"] and csrf_cookie["httponly"]


def test_celery_accepts_json_only():
    from spheres.celery import app

    assert app.conf.accept_content == ["json"]
    assert app.conf.task_serializer == "json"
    assert app.conf.task_acks_late is True
