"""The audit trail (core.audit): append-only in Python and in PostgreSQL, its
actions a closed list."""

import pytest
from django.db import IntegrityError, connection, transaction

from core.audit import audit_record
from core.models import AuditEvent
from tests.factories import InsuredPersonFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_audit_rows_record_who_for_whom_and_survive_deletions():
    user = UserFactory(username="clerk")
    person = InsuredPersonFactory(name="李四")
    event = audit_record(actor=user, action="person.qr_rotate", person=person, details={"a": 1})
    assert (event.actor_label, event.person_label) == ("clerk", f"李四 {person.masked_id}")
    user.delete()
    person.delete()
    event.refresh_from_db()
    assert event.actor is None and event.person is None
    assert event.actor_label == "clerk" and event.person_label.startswith("李四")


def test_audit_rows_cannot_be_changed_or_deleted_from_python():
    event = audit_record(actor=None, action="person.qr_rotate")
    with pytest.raises(RuntimeError):
        event.save()
    with pytest.raises(RuntimeError):
        event.delete()


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE accounts_auditevent SET action = 'forged' WHERE id = %s",
        "UPDATE accounts_auditevent SET details = '{}'::jsonb WHERE id = %s",
        "DELETE FROM accounts_auditevent WHERE id = %s",
    ],
)
def test_the_database_refuses_updates_and_deletes(sql):
    event = audit_record(actor=UserFactory(), action="person.qr_rotate", details={"x": 1})
    with (
        pytest.raises(IntegrityError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).action == "person.qr_rotate"


def test_queryset_update_is_refused_too():
    event = audit_record(actor=None, action="person.qr_rotate")
    with pytest.raises(IntegrityError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="forged")
    with pytest.raises(IntegrityError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.filter(pk=event.pk, action="person.qr_rotate").exists()


def test_an_action_nobody_declared_is_refused():
    with pytest.raises(ValueError):
        audit_record(actor=None, action="person.qr_rotated")
    assert not AuditEvent.objects.exists()


def test_the_table_stayed_where_it_was():
    """The model moved from accounts to core without touching the database."""
    assert AuditEvent._meta.db_table == "accounts_auditevent"
    from core.models import Heartbeat

    assert Heartbeat._meta.db_table == "portal_heartbeat"


def test_each_app_registers_its_own_actions_and_nothing_else_is_recorded():
    """Actions are declared by the app that records them (core.actions): the
    ground floor names none of theirs, and an unregistered one is refused."""
    from accounts.actions import Action as People
    from bulk.actions import Action as Bulk
    from claims.actions import Action as Claims
    from core import actions
    from portal.actions import Action as Logins
    from wallet.actions import Action as Money

    registered = dict(actions.choices())
    for choices in (People, Bulk, Claims, Logins, Money, actions.Action):
        assert set(choices.values) <= set(registered), choices
    assert AuditEvent._meta.get_field("action").choices == actions.choices()
    with pytest.raises(ValueError):
        audit_record(actor=None, action="person.qr_rotat")
    assert not AuditEvent.objects.filter(action="person.qr_rotat").exists()


def test_the_audit_model_and_its_writer_import_each_other_in_no_circle():
    import grimp

    graph = grimp.build_graph("core")
    assert graph.find_shortest_chain(importer="core.models", imported="core.audit") is None
    assert graph.find_shortest_chain(importer="core.actions", imported="core.models") is None
