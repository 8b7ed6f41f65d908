import pytest
from django.test import Client


@pytest.fixture
def user(django_user_model):
    return django_user_model.objects.create_user(username="lihua", password="Secr3t-pass!")


@pytest.fixture
def user_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def english(settings):
    """Make the test client (and user_client) read pages in English."""

    def switch(client: Client) -> Client:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return switch


@pytest.fixture
def private_redis(tmp_path):
    """A redis-server of the test's own on a free port (started), which the test
    may stop and start; never the shared one."""
    from tests.processes import PrivateRedis

    redis = PrivateRedis(tmp_path)
    redis.start()
    yield redis
    redis.stop()


@pytest.fixture
def eager_jobs():
    """Celery jobs run in the process that sends them (through the job outbox,
    once the transaction commits)."""
    from portal.celery import app

    old = app.conf["task_always_eager"]
    app.conf["task_always_eager"] = True
    yield
    app.conf["task_always_eager"] = old


@pytest.fixture
def server_dir():
    """A folder for an embedded server's data, outside pytest's own temporary
    root: that root is private (0700) and pytest makes it so again whenever a
    run starts, while the embedded PostgreSQL runs as `nobody` when the tests run
    as root and must reach its folder."""
    import shutil
    import tempfile
    from pathlib import Path

    folder = Path(tempfile.mkdtemp(prefix="portal-test-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)
