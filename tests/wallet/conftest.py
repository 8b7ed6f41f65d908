import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _wallet_defaults(request):
    """The seeded policy rows (a transactional test flushes them away)."""
    if request.node.get_closest_marker("django_db") is None:
        return
    from wallet.defaults import ensure_defaults

    ensure_defaults()


@pytest.fixture(autouse=True)
def _english():
    """Refusal messages read in English in service tests, whatever ran before in
    this thread (pages pick their language per request)."""
    with translation.override("en"):
        yield
