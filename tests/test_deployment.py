"""The production deployment files: docker-compose.yml, Dockerfile and .env.example.

No Docker engine is needed (and no database): the files are parsed and checked statically, and
.env.example is checked against the variables spheres/settings.py actually reads.
"""

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
ENV_EXAMPLE = ROOT / ".env.example"
SETTINGS = ROOT / "spheres" / "settings.py"

SECRET_VARIABLES = ("DJANGO_SECRET_KEY", "SPHERES_MFA_ENCRYPTION_KEY", "SPHERES_RESEARCH_ID_KEY")
APP_SERVICES = ("web", "worker", "beat")

# env.str("X"), env.list("X"), env.db_url(\n "X"), _bool("X"), _int("X"), os.environ.get("X")...
ENV_READ = re.compile(
    r"(?:\b_bool|\b_int|\.str|\.int|\.bool|\.float|\.list|\.tuple|\.dict|\.json|\.url|\.path"
    r"|\.db_url|\.db|\.email_url|\.email|\.cache_url|\.cache|\.search_url|\.get|\bgetenv)"
    r"\(\s*[\"']([A-Z][A-Z0-9_]+)[\"']"
)


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def services(compose):
    return compose["services"]


def command_words(service) -> list[str]:
    command = service.get("command", [])
    return shlex.split(command) if isinstance(command, str) else [str(word) for word in command]


def healthcheck_text(service) -> str:
    test = service["healthcheck"]["test"]
    return test if isinstance(test, str) else " ".join(str(part) for part in test)


def depends_on(service) -> dict:
    deps = service.get("depends_on", {})
    return {name: {} for name in deps} if isinstance(deps, list) else deps


def environment(service) -> dict:
    env = service.get("environment", {})
    if isinstance(env, list):
        return dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return env


def settings_variables() -> set[str]:
    return set(ENV_READ.findall(SETTINGS.read_text(encoding="utf-8")))


def env_example_assignments() -> dict[str, str]:
    """Active (uncommented) VARIABLE=value lines, quotes removed as compose does."""
    values = {}
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        if match := re.match(r"^([A-Z][A-Z0-9_]*)=(.*)$", line.strip()):
            name, value = match.groups()
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
                value = value[1:-1]
            values[name] = value
    return values


# --- docker-compose.yml ------------------------------------------------------------------------


def test_compose_defines_every_service(services):
    assert {"postgres", "redis", "web", "worker", "beat"} <= set(services)


def test_postgres_data_lives_in_a_named_volume(compose, services):
    named = set(compose.get("volumes") or {})
    sources = [str(volume).split(":", 1)[0] for volume in services["postgres"].get("volumes", [])]
    assert any(source in named for source in sources), sources
    assert any(
        str(volume).endswith(":/var/lib/postgresql/data")
        for volume in services["postgres"]["volumes"]
    )


def test_images_are_the_pinned_major_versions(services):
    assert services["postgres"]["image"] == "postgres:16"
    assert services["redis"]["image"] == "redis:7"


def test_web_runs_gunicorn_on_the_wsgi_application(services):
    words = command_words(services["web"])
    assert words[0] == "gunicorn"
    assert "spheres.wsgi:application" in words
    assert "0.0.0.0:8000" in words


def test_worker_runs_a_celery_worker(services):
    words = command_words(services["worker"])
    assert words[0] == "celery"
    assert "worker" in words
    assert "--beat" not in words and "-B" not in words  # beat runs once, in its own service
    # No system checks in the worker: they load every view and the admin (docs/research-export.md);
    # the migrate service runs them on each deployment.
    assert words.index("--skip-checks") < words.index("worker")


def test_beat_runs_celery_beat_with_a_writable_schedule(services):
    words = command_words(services["beat"])
    assert words[0] == "celery"
    assert "beat" in words
    assert "/tmp/celerybeat-schedule" in words  # noqa: S108 - the non-root user can write /tmp


def test_app_services_share_one_image(services):
    for name in (*APP_SERVICES, "migrate"):
        assert services[name].get("build") in (".", {"context": "."}), name
    assert len({services[name].get("image") for name in (*APP_SERVICES, "migrate")}) == 1


@pytest.mark.parametrize("name", ["postgres", "redis", "web", "worker"])
def test_long_running_services_have_healthchecks(services, name):
    assert healthcheck_text(services[name]).strip()
    assert services[name]["healthcheck"].get("disable") is not True


def test_healthcheck_commands(services):
    assert "pg_isready" in healthcheck_text(services["postgres"])
    assert "redis-cli ping" in healthcheck_text(services["redis"])
    worker = healthcheck_text(services["worker"])
    assert "celery" in worker and "inspect ping" in worker


def test_web_healthcheck_targets_healthz_with_an_allowed_host(services):
    check = healthcheck_text(services["web"])
    assert "http://127.0.0.1:8000/healthz" in check
    assert "curl" not in check and "wget" not in check  # python:3.11-slim has neither
    # 127.0.0.1 need not be in ALLOWED_HOSTS: the check sends the first allowed host.
    assert "DJANGO_ALLOWED_HOSTS" in check and '"Host"' in check


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_read_secrets_from_env_file(services, name):
    env_file = services[name].get("env_file")
    files = [env_file] if isinstance(env_file, str | dict) else env_file or []
    paths = [item["path"] if isinstance(item, dict) else item for item in files]
    assert ".env" in paths or "./.env" in paths


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_wire_postgres_and_redis(services, name):
    env = environment(services[name])
    assert env["DATABASE_URL"].startswith("postgres://")
    assert "@postgres:5432/" in env["DATABASE_URL"]
    assert env["CELERY_BROKER_URL"] == "redis://redis:6379/0"
    assert env["CACHE_URL"] == "redis://redis:6379/1"


def test_web_waits_for_healthy_postgres_and_redis_and_migrations(services):
    deps = depends_on(services["web"])
    assert deps["postgres"]["condition"] == "service_healthy"
    assert deps["redis"]["condition"] == "service_healthy"
    assert deps["migrate"]["condition"] == "service_completed_successfully"


@pytest.mark.parametrize("name", ["worker", "beat"])
def test_celery_waits_for_the_broker_and_migrations(services, name):
    deps = depends_on(services[name])
    assert deps["redis"]["condition"] == "service_healthy"
    assert deps["migrate"]["condition"] == "service_completed_successfully"


def test_migrate_is_a_one_shot_after_postgres(services):
    migrate = services["migrate"]
    assert command_words(migrate)[-3:] == ["manage.py", "migrate", "--noinput"]
    assert depends_on(migrate)["postgres"]["condition"] == "service_healthy"
    assert str(migrate.get("restart", "no")) == "no"


def test_private_uploads_are_a_named_volume_on_web_and_worker(compose, services):
    named = set(compose.get("volumes") or {})
    for name in ("web", "worker"):
        mounts = [str(volume) for volume in services[name].get("volumes", [])]
        private = [m for m in mounts if m.split(":")[1:2] == ["/app/var/private"]]
        assert private, (name, mounts)
        assert private[0].split(":", 1)[0] in named


def test_postgres_and_redis_ports_are_not_published(services):
    for name in ("postgres", "redis"):
        assert not services[name].get("ports"), name
    for name, service in services.items():
        for port in service.get("ports", []):
            text = str(port if not isinstance(port, dict) else port.get("target"))
            assert not re.search(r"\b(5432|6379)\b", text), (name, port)


def test_web_is_published_on_loopback_only(services):
    assert services["web"]["ports"] == ["127.0.0.1:8000:8000"]


def test_no_secret_value_is_written_in_the_compose_file(compose):
    text = COMPOSE.read_text(encoding="utf-8")
    for name in SECRET_VARIABLES:
        assert name not in text, name
    for service in compose["services"].values():
        env = environment(service)
        for name, value in env.items():
            if "PASSWORD" in name or "SECRET" in name or "KEY" in name:
                assert str(value).startswith("${"), (name, value)  # interpolated from .env
        url = env.get("DATABASE_URL", "")
        if "@" in url:
            password = url.split("://", 1)[1].split("@", 1)[0].partition(":")[2]
            assert password.startswith("${"), "the database password must come from .env"


# --- Dockerfile --------------------------------------------------------------------------------


def dockerfile_instructions() -> list[tuple[str, str]]:
    text = DOCKERFILE.read_text(encoding="utf-8")
    logical = re.sub(r"\\\n", " ", text)  # join continuation lines
    instructions = []
    for line in logical.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            instructions.append((keyword.upper(), rest.strip()))
    return instructions


def test_dockerfile_base_image_and_install():
    instructions = dockerfile_instructions()
    assert instructions[0] == ("FROM", "python:3.11-slim")
    runs = " ".join(rest for keyword, rest in instructions if keyword == "RUN")
    assert re.search(r"pip install \.(\s|$|&)", runs)
    assert "[dev]" not in runs
    assert "compiletranslations" in runs
    assert "collectstatic --noinput" in runs


def test_dockerfile_runs_as_a_non_root_user():
    users = [rest for keyword, rest in dockerfile_instructions() if keyword == "USER"]
    assert users, "no USER instruction"
    assert users[-1].split(":")[0] not in ("root", "0")


def test_dockerfile_default_command_is_gunicorn():
    cmds = [rest for keyword, rest in dockerfile_instructions() if keyword == "CMD"]
    assert cmds, "no CMD instruction"
    cmd = cmds[-1]
    words = yaml.safe_load(cmd) if cmd.startswith("[") else shlex.split(cmd)
    assert words[0] == "gunicorn"
    assert "spheres.wsgi:application" in words
    assert "0.0.0.0:8000" in words


def test_dockerfile_bakes_no_secret_into_the_image_environment():
    for keyword, rest in dockerfile_instructions():
        if keyword in ("ENV", "ARG"):
            for name in (*SECRET_VARIABLES, "DJANGO_DEBUG", "DATABASE_URL", "EMAIL_URL"):
                assert name not in rest, (keyword, rest)


def test_dockerfile_copies_no_local_secrets_or_virtualenv():
    for keyword, rest in dockerfile_instructions():
        if keyword in ("COPY", "ADD"):
            sources = [w for w in rest.split() if not w.startswith("--")][:-1]
            assert "." not in sources and "./" not in sources, rest  # would copy .env and .venv


def test_dockerfile_private_storage_is_a_volume():
    instructions = dockerfile_instructions()
    env = " ".join(rest for keyword, rest in instructions if keyword == "ENV")
    assert "SPHERES_PRIVATE_STORAGE_ROOT=/app/var/private" in env
    volumes = " ".join(rest for keyword, rest in instructions if keyword == "VOLUME")
    assert "/app/var/private" in volumes


# --- .env.example ------------------------------------------------------------------------------


def test_settings_variable_extraction_finds_the_known_ones():
    # Guards the regex below: if it broke, the drift test would pass vacuously.
    found = settings_variables()
    assert {"DJANGO_SECRET_KEY", "DATABASE_URL", "SPHERES_VAR_DIR", "EMAIL_URL"} <= found
    assert len(found) >= 25


def test_env_example_mentions_every_variable_the_settings_read():
    text = ENV_EXAMPLE.read_text(encoding="utf-8")
    missing = sorted(
        name
        for name in settings_variables()
        if not re.search(rf"^#?\s*{name}=", text, flags=re.MULTILINE)
    )
    assert not missing, f".env.example does not document: {', '.join(missing)}"


def test_env_example_holds_production_values_and_placeholder_secrets():
    values = env_example_assignments()
    assert values["DJANGO_DEBUG"] == "0"
    assert values["SPHERES_REQUIRE_MFA"] == "1"
    assert values["DJANGO_BEHIND_TLS_PROXY"] == "1"
    assert values["EMAIL_URL"].startswith("smtp+tls://")
    for name in (*SECRET_VARIABLES, "POSTGRES_PASSWORD"):
        assert values[name] == "change-me", name
    text = ENV_EXAMPLE.read_text(encoding="utf-8")
    assert "secrets.token_urlsafe" in text
    assert "Fernet.generate_key()" in text


def test_env_example_covers_compose_interpolation():
    text = COMPOSE.read_text(encoding="utf-8")
    # ${NAME} is compose interpolation; $${NAME} is an escape left for the container's shell.
    interpolated = set(re.findall(r"(?<!\$)\$\{([A-Z][A-Z0-9_]*)", text))
    assert "POSTGRES_PASSWORD" in interpolated
    assert interpolated <= set(env_example_assignments()), interpolated


def test_env_file_is_git_ignored():
    ignored = (ROOT / ".gitignore").read_text(encoding="utf-8").split()
    assert ".env" in ignored


def test_settings_load_with_the_example_and_compose_environment(compose):
    """Every value in .env.example parses (booleans, integers, URLs) under DEBUG off."""
    read = settings_variables()
    env = {key: value for key, value in os.environ.items() if key not in read}
    env["DJANGO_SETTINGS_MODULE"] = "spheres.settings"
    env.update(env_example_assignments())
    for name, value in environment(compose["services"]["web"]).items():
        env[name] = re.sub(r"\$\{[^}]*\}", "placeholder", str(value))
    code = (
        "from django.conf import settings as s; "
        "assert not s.DEBUG and s.SPHERES_REQUIRE_MFA and s.EMAIL_USE_TLS; "
        "assert s.SECURE_PROXY_SSL_HEADER == ('HTTP_X_FORWARDED_PROTO', 'https'); "
        "assert s.DATABASES['default']['ENGINE'].endswith('postgresql'); "
        "assert s.CACHES['default']['BACKEND'].endswith('RedisCache')"
    )
    result = subprocess.run(  # noqa: S603 - fixed interpreter and code
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL setting")
@pytest.mark.django_db
def test_postgresql_runs_without_jit():
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"


def test_the_image_build_commands_have_every_setting_they_need():
    """The build runs manage.py with throwaway settings (RUN env … python manage.py …): each
    command's environment must satisfy the production settings, or the image cannot be built.
    Checked by loading the settings with exactly that environment (manage.py check)."""
    runs = " ".join(rest for keyword, rest in dockerfile_instructions() if keyword == "RUN")
    commands = re.findall(r"\benv\s+((?:\w+=\S+\s+)+)python manage\.py (\w+)", runs)
    assert {name for _assignments, name in commands} >= {"compiletranslations", "collectstatic"}
    for assignments, _name in commands:
        variables = dict(word.split("=", 1) for word in shlex.split(assignments))
        env = {"PATH": os.environ["PATH"], "HOME": str(ROOT), **variables}
        result = subprocess.run(
            [sys.executable, "manage.py", "check"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, (_name, result.stderr[-2000:])
