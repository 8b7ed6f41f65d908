"""Browser tests: pytest-playwright driving Debian's Chromium against live_server."""

import os

import pytest

# Sync Playwright runs an event loop in the test thread; Django's ORM calls from
# that thread (fixtures, assertions) are safe here because the loop is idle then.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)
            # A real browser: `make test` runs them, `make test-fast` does not.
            item.add_marker(pytest.mark.slow)
            # One browser per xdist worker is enough; keep e2e tests together.
            item.add_marker(pytest.mark.xdist_group("e2e"))
