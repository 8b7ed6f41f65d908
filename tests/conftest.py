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
def orm_path(settings):
    """Run the portable ORM twin of every hand-written SQL path (core.db.set_based),
    as SQLite (the embedded `make run`) does, against the test PostgreSQL."""
    settings.PORTAL_SET_BASED_SQL = False
