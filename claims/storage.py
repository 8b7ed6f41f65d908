"""Where claim documents live (M1): a private store, never served by the web
server's media path. Local files under var/private by default; with
CLAIMS_DOCUMENT_STORAGE=s3 the settings name django-storages' S3 backend (an
S3-compatible store). A callable, so migrations do not record the store."""

from django.core.files.storage import Storage, storages

ALIAS = "claims_private"


def private_storage() -> Storage:
    return storages[ALIAS]
