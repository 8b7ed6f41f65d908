"""Uploaded documents are personal data: staff fetch them, nobody else (A3, F3)."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage


@pytest.fixture
def document(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    name = default_storage.save("dependents/2026/11/scan.pdf", ContentFile(b"%PDF-1.4 child"))
    yield f"/media/{name}"


@pytest.mark.django_db
def test_an_uploaded_document_is_not_public(client, document, django_user_model):
    response = client.get(document)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    user = django_user_model.objects.create_user("someone", password="pw-123456")
    client.force_login(user)
    assert client.get(document).status_code == 302  # signed in, but not staff


@pytest.mark.django_db
def test_staff_download_the_document(admin_client, document):
    response = admin_client.get(document)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 child"
    assert response["Content-Disposition"] == "attachment"


@pytest.mark.django_db
def test_paths_outside_the_media_folder_are_not_served(admin_client, document):
    admin_client.raise_request_exception = False
    assert admin_client.get("/media/../conftest.py").status_code == 400  # SuspiciousFileOperation
    assert admin_client.get("/media/dependents/none.pdf").status_code == 404
