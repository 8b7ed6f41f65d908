import pytest

from tests.factories import chengdu, chongqing, guangzhou


@pytest.fixture
def regions(db):
    """Chongqing (live), Chengdu (live), Guangzhou (Guangdong: not live, W1)."""
    return {"chongqing": chongqing(), "chengdu": chengdu(), "guangzhou": guangzhou()}


@pytest.fixture(autouse=True)
def _no_language_left_behind():
    """Pages read in English activate it for the thread (the locale middleware
    never deactivates); don't let it leak into the next test in this worker."""
    yield
    from django.utils import translation

    translation.deactivate()


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    """Uploaded files go to a folder of this test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def operator(db, django_user_model):
    """A staff member with the bulk proxy activation permission (W2)."""
    from django.contrib.auth.models import Permission

    user = django_user_model.objects.create_user(
        username="shequ", password="Centre-2026-pw", is_staff=True
    )
    user.user_permissions.add(Permission.objects.get(codename="bulk_proxy_activate"))
    return user


@pytest.fixture
def upload(operator):
    """Upload bytes as a file and check it, as the check job does."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from bulk.services import batch_check, batch_upload

    def run(data: bytes, name: str = "名单.csv", *, by=None):
        batch = batch_upload(
            file=SimpleUploadedFile(name, data), uploaded_by=by or operator, queue_check=False
        )
        return batch_check(batch_id=batch.pk)

    return run


@pytest.fixture
def checked(upload):
    """Upload rows for persons and check them: the batch waiting for confirmation."""
    from tests.bulk.files import csv_bytes, person_row

    def run(persons, **kwargs):
        return upload(csv_bytes([person_row(p, **kwargs) for p in persons]))

    return run


@pytest.fixture
def run_batch(operator):
    """Confirm a checked batch and run its job in this process."""
    from bulk.services import batch_confirm, batch_run

    def run(batch, *, by=None):
        batch_confirm(batch_id=batch.pk, acting_user=by or operator, queue_run=False)
        return batch_run(batch_id=batch.pk)

    return run


@pytest.fixture
def eager():
    """Celery jobs run in the process that sends them (on commit)."""
    from portal.celery import app

    old = app.conf["task_always_eager"]
    app.conf["task_always_eager"] = True
    yield
    app.conf["task_always_eager"] = old


@pytest.fixture
def operator_client(operator):
    from django.test import Client

    client = Client()
    client.force_login(operator)
    return client
