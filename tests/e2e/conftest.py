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


@pytest.fixture(autouse=True)
def _no_console_errors(request):
    """Every browser test fails if a page logged an error to the console: a
    Content-Security-Policy violation (an inline script or style, a resource
    from elsewhere), a script error, or a static file that fails. Pages that
    answer 4xx on purpose (the lockout page's 429) are not errors."""
    if "page" not in request.fixturenames:
        yield
        return
    page = request.getfixturevalue("page")
    problems: list[str] = []

    def on_console(message) -> None:
        url = message.location.get("url", "")
        if message.type == "error" and not _page_status(message.text, url):
            problems.append(f"console: {message.text} ({message.location.get('url', '')})")

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    yield
    assert not problems, "the browser reported errors:\n" + "\n".join(problems)


def _page_status(text: str, url: str) -> bool:
    # Chromium (and htmx) log every 4xx answer; tests that show an error page on
    # purpose (429 lockout, 403 expired form) get one. A script, style or image
    # that fails to load is still an error.
    if text.startswith("Response Status Error Code"):  # htmx, answered with a page
        return True
    failed_load = text.startswith("Failed to load resource: the server responded with a status")
    return failed_load and "/static/" not in url
