"""Shared by every test: the suite runs against PostgreSQL and Redis (see `make test`)."""

import pytest
from hypothesis import HealthCheck, settings

# Property tests judge what is generated, never how fast: on a busy machine
# (CI beside other work) a slow draw or example is not a failure.
settings.register_profile("portal", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("portal")

# The data migrations that seed reference rows every install has (regions,
# policy rows, commercial plans, the ledger's system accounts). Each is
# idempotent (get_or_create).
SEEDING_MIGRATIONS = (
    "accounts.migrations.0003_seed_regions",
    "claims.migrations.0002_default_settings",
    "wallet.migrations.0002_seed_and_append_only",
    "wallet.migrations.0004_sink_shards",
)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The reference rows are there at the start of every run. A transactional
    test (a browser test, a real worker) ends by emptying every table, seeds
    included; pytest-django runs those tests last, so a fresh database is fine,
    but `make test-fast` (--reuse-db) starts from the database the last run
    emptied: its seeds are written again here."""
    import importlib

    from django.apps import apps

    with django_db_blocker.unblock():
        for name in SEEDING_MIGRATIONS:
            importlib.import_module(name).seed(apps, None)


@pytest.fixture(autouse=True)
def _plain_static_files(settings):
    # Production serves hashed files collected by `collectstatic`; tests render
    # pages straight from the source folders instead.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.STATIC_ROOT.mkdir(parents=True, exist_ok=True)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # PBKDF2's many rounds are the point in production and pure waiting in tests.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # The answer floors of a new password and of adding a relative (A6) are
    # waiting too; their own tests set them.
    settings.RESET_ANSWER_MS = 0
    settings.DEPENDENT_ANSWER_MS = 0


@pytest.fixture(autouse=True)
def _staff_second_factor_off(settings):
    # Production asks staff for a TOTP code (STAFF_2FA); tests of the admin's own
    # behaviour log in with force_login and skip it. tests/portal/test_two_factor.py
    # turns it on and checks the whole second step.
    settings.STAFF_2FA = False


@pytest.fixture(autouse=True)
def _own_cache_keys(settings):
    # Rate-limit counters live in the cache (Redis in the tests): each test gets
    # its own key prefix, so one test's sends never count in another's, and no
    # test has to flush a Redis database that a parallel worker is using.
    import uuid

    settings.CACHES = {
        name: {**config, "KEY_PREFIX": f"test-{uuid.uuid4().hex[:12]}"}
        for name, config in settings.CACHES.items()
    }
