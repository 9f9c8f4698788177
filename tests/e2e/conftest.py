"""Browser journeys in real headless Chromium (Debian's /usr/bin/chromium), against live_server.

Without the browser the journeys are skipped, unless SPHERES_REQUIRE_BROWSER=1 (CI), where a
missing browser is an error.
"""

import os
from pathlib import Path

import pytest

# Playwright's sync API runs an asyncio event loop in the test thread: Django's ORM (fixtures,
# cache clean-up) would otherwise refuse to run there.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
E2E_DIR = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config, items):
    for item in items:
        if E2E_DIR in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.e2e)


def _browser_required() -> bool:
    return os.environ.get("SPHERES_REQUIRE_BROWSER", "").strip().lower() in {"1", "true", "yes"}


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        reason = f"{CHROMIUM} not found: install Debian's chromium package to run the e2e tests"
        if _browser_required():
            pytest.fail(f"SPHERES_REQUIRE_BROWSER=1 but {reason}.", pytrace=False)
        pytest.skip(reason)
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": [*browser_type_launch_args.get("args", []), *CHROMIUM_ARGS],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # Accept-Language fr-CA: the application answers in French unless the person chooses otherwise.
    return {**browser_context_args, "locale": "fr-CA"}


@pytest.fixture
def app_url(live_server):
    """The live server's root URL, always on the host name "localhost".

    The test settings keep production's Secure cookies while live_server speaks plain http:
    Chromium keeps Secure cookies only from trustworthy origins (http://localhost, and with
    Chromium 156 http://127.0.0.1 too), so a DJANGO_LIVE_TEST_SERVER_ADDRESS naming another host
    would silently lose the session. pytest-django binds "localhost" by default.
    """
    scheme, rest = live_server.url.split("://", 1)
    port = rest.rsplit(":", 1)[1]
    return f"{scheme}://localhost:{port}"


@pytest.fixture
def console_errors(page):
    """Console errors (CSP violations, failed loads) and uncaught exceptions on the page."""
    errors = []

    def on_console(msg):
        if msg.type != "error":
            return
        errors.append(f"console: {msg.text} @ {msg.location.get('url')}")

    page.on("console", on_console)
    page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
    return errors
