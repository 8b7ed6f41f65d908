"""The message centre (消息中心): each kind is written once by the service where
it happens, when that service's transaction commits — never when it rolls back;
important ones also reach the SMS outbox, within the day's limit; the page
lists them, the badge counts the unread, opening one marks it read and goes to
what it is about."""

import datetime

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import translation

from accounts.models import (
    DependentBinding,
    InboxMessage,
    MessageKind,
    NonLocalRegistration,
    OutboundMessage,
)
from accounts.services import (
    dependent_request,
    dependent_respond,
    dependent_review,
    message_send,
    registrations_ending_notify,
)
from claims.services.chronic import recognition_apply, recognition_approve, recognition_refuse
from tests.accounts.conftest import document
from tests.claims.factories import DiseaseFactory
from tests.factories import FacilityFactory, UserFactory, chengdu, chongqing
from tests.wallet.factories import make_family
from wallet.models import PremiumRate
from wallet.services import (
    premium_pay,
    transfer_accept,
    transfer_create,
    transfer_decline,
    transfers_sweep,
)
from wallet.services.notices import premiums_due_notify

pytestmark = pytest.mark.django_db

CST = datetime.timezone(datetime.timedelta(hours=8))
MONDAY_10 = datetime.datetime(2026, 3, 2, 10, 0, tzinfo=CST)


@pytest.fixture(autouse=True)
def _english():
    """Messages are composed in the reader's language: read them in English."""
    with translation.override("en"):
        yield


class Rollback(Exception):
    pass


def rolled_back(call) -> None:
    """Run `call` in a transaction that then rolls back."""
    with pytest.raises(Rollback), transaction.atomic():
        call()
        raise Rollback


def inbox(user, kind=None):
    messages = InboxMessage.objects.filter(user=user)
    return list(messages.filter(kind=kind) if kind else messages)


@pytest.fixture
def fam(time_machine):
    time_machine.move_to(MONDAY_10)
    return make_family(balance="1000.00")


def send(fam, key="k1", amount="100.00"):
    return transfer_create(
        sender=fam["employee"],
        recipient=fam["parent"],
        amount=amount,
        idempotency_key=key,
        acting_user=fam["user"],
    )


# Transfers (W8, W9) -------------------------------------------------------------


def test_a_transfer_waiting_is_told_to_the_recipient_once(fam, django_capture_on_commit_callbacks):
    rolled_back(lambda: send(fam, key="gone"))
    with django_capture_on_commit_callbacks(execute=True):
        made = send(fam)
        send(fam)  # the same form sent again: the same transfer, no second message
    [message] = InboxMessage.objects.all()
    assert message.user == fam["parent_user"] and message.kind == MessageKind.TRANSFER_WAITING
    assert message.link == reverse("wallet:index") + "#pending" and message.important
    # The sender's login (who also looks after the parent) did it: not told.
    assert not inbox(fam["user"])
    assert fam["employee"].name in message.text and "¥100.00" in message.text
    # Important: also an SMS to the recipient's phone.
    [sms] = OutboundMessage.objects.filter(purpose="notice:transfer_waiting")
    assert sms.phone == fam["parent"].phone and "¥100.00" in sms.body
    assert made.state == "pending"


ANSWERS = [
    (transfer_accept, MessageKind.TRANSFER_ACCEPTED),
    (transfer_decline, MessageKind.TRANSFER_DECLINED),
]


@pytest.mark.parametrize(("answer", "kind"), ANSWERS)
def test_an_answer_is_told_to_the_sender_once(
    fam, answer, kind, django_capture_on_commit_callbacks
):
    made = send(fam)
    rolled_back(lambda: answer(transfer_id=made.pk, acting_user=fam["parent_user"]))
    with django_capture_on_commit_callbacks(execute=True):
        answer(transfer_id=made.pk, acting_user=fam["parent_user"])
    [message] = inbox(fam["user"], kind)
    assert fam["parent"].name in message.text and message.link == reverse("wallet:history")
    assert not inbox(fam["parent_user"], kind)  # who answered knows
    assert InboxMessage.objects.filter(kind=kind).count() == 1


def test_the_morning_sweep_tells_the_sender_once(fam, time_machine):
    made = send(fam)
    next_morning = MONDAY_10 + datetime.timedelta(days=1, hours=-3, minutes=1)  # 07:01
    rolled_back(lambda: transfers_sweep(now=next_morning))
    assert not InboxMessage.objects.filter(kind=MessageKind.TRANSFER_RETURNED).exists()
    assert transfers_sweep(now=next_morning) == 1
    assert transfers_sweep(now=next_morning + datetime.timedelta(minutes=5)) == 0
    [message] = InboxMessage.objects.filter(kind=MessageKind.TRANSFER_RETURNED)
    assert message.user == fam["user"] and message.person == fam["employee"]
    assert "did not accept the ¥100.00" in message.text
    made.refresh_from_db()
    assert made.state == "returned"


# Looking after someone (A3) -------------------------------------------------------


@pytest.fixture
def father_with_login(father):
    father.user = UserFactory(username="zhangjianguo")
    father.save(update_fields=["user"])
    return father


def ask(me, father):
    return dependent_request(
        user=me.user, national_id=father.national_id, name=father.name, relation="parent"
    )


def test_a_request_is_told_to_the_relative_once(
    me, father_with_login, settings, django_capture_on_commit_callbacks
):
    settings.SMS_INTERVAL_SECONDS = 0  # the rolled-back request's code counts as sent
    rolled_back(lambda: ask(me, father_with_login))
    with django_capture_on_commit_callbacks(execute=True):
        ask(me, father_with_login)
    [message] = inbox(father_with_login.user)
    assert message.kind == MessageKind.DELEGATION_REQUEST and "张伟" in message.text
    assert message.link == reverse("home")


@pytest.mark.parametrize(
    ("accept", "kind"),
    [(True, MessageKind.DELEGATION_ACCEPTED), (False, MessageKind.DELEGATION_DECLINED)],
)
def test_an_answer_to_a_request_is_told_to_the_asker_once(
    me, father_with_login, accept, kind, django_capture_on_commit_callbacks
):
    binding = ask(me, father_with_login)
    rolled_back(
        lambda: dependent_respond(user=father_with_login.user, binding=binding, accept=accept)
    )
    with django_capture_on_commit_callbacks(execute=True):
        dependent_respond(user=father_with_login.user, binding=binding, accept=accept)
    [message] = inbox(me.user, kind)
    assert "张建国" in message.text


@pytest.mark.parametrize(
    ("approve", "kind"),
    [(True, MessageKind.CHILD_APPROVED), (False, MessageKind.CHILD_REFUSED)],
)
def test_a_child_review_is_told_to_the_asker_once(
    me, daughter, approve, kind, django_capture_on_commit_callbacks
):
    binding = dependent_request(
        user=me.user,
        national_id=daughter.national_id,
        name=daughter.name,
        relation="child",
        document=document(),
    )
    admin = UserFactory(is_staff=True)

    def review():
        dependent_review(actor=admin, binding=binding, approve=approve, note="blurred scan")

    rolled_back(review)
    with django_capture_on_commit_callbacks(execute=True):
        review()
    [message] = inbox(me.user, kind)
    assert "张小雨" in message.text
    assert ("blurred scan" in message.text) is not approve
    assert binding.status == DependentBinding.Status.PENDING_REVIEW  # the object passed in


# Chronic diseases (C5) -------------------------------------------------------------


@pytest.mark.parametrize("approve", [True, False])
def test_a_chronic_decision_is_told_to_the_family_once(
    me, approve, django_capture_on_commit_callbacks
):
    hospital = FacilityFactory(region=chongqing(), tier=3)
    recognition = recognition_apply(
        person=me, disease=DiseaseFactory(), hospital=hospital, diagnosis="x", acting_user=me.user
    )
    admin = UserFactory(is_staff=True)

    def decide():
        if approve:
            recognition_approve(recognition=recognition, acting_user=admin)
        else:
            recognition_refuse(recognition=recognition, acting_user=admin, note="no report")

    rolled_back(decide)
    with django_capture_on_commit_callbacks(execute=True):
        decide()
    kind = MessageKind.CHRONIC_APPROVED if approve else MessageKind.CHRONIC_REFUSED
    [message] = inbox(me.user, kind)  # applicant and patient are one login: one message
    assert message.link == reverse("claims:chronic") and me.name in message.text
    assert not inbox(admin)


# Daily jobs: a registration ending (F3), a premium due (P3) ---------------------------


def test_a_registration_ending_within_30_days_is_told_once(
    me, time_machine, django_capture_on_commit_callbacks
):
    time_machine.move_to(MONDAY_10)
    registration = NonLocalRegistration.objects.create(
        person=me,
        destination=chengdu(),
        kind=NonLocalRegistration.Kind.REFERRAL,
        start_date=datetime.date(2025, 10, 1),
        end_date=datetime.date(2026, 3, 31),
        proof=NonLocalRegistration.Proof.NONE,
    )
    today = MONDAY_10.date()
    # 31 days before the end: not yet (the notice period is 30 days).
    assert registrations_ending_notify(today=today - datetime.timedelta(days=2)) == 0
    rolled_back(lambda: registrations_ending_notify(today=today))
    assert not InboxMessage.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        assert registrations_ending_notify(today=today) == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert registrations_ending_notify(today=today + datetime.timedelta(days=1)) == 0
    [message] = inbox(me.user, MessageKind.REGISTRATION_ENDING)
    assert "2026-03-31" in message.text and message.important
    assert message.link == reverse("accounts:registration_detail", args=[registration.pk])


def test_a_premium_due_is_told_once_a_year_and_not_once_paid(
    fam, django_capture_on_commit_callbacks
):
    PremiumRate.objects.update_or_create(region=None, year=2026, defaults={"amount": "400.00"})
    PremiumRate.objects.filter(year=2027).delete()
    rolled_back(lambda: premiums_due_notify(year=2026))
    assert not InboxMessage.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        assert premiums_due_notify(year=2026) == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert premiums_due_notify(year=2026) == 0
    # The parent's own login and the son's (who looks after him) both hear it.
    for user in (fam["parent_user"], fam["user"]):
        [message] = inbox(user, MessageKind.PREMIUM_DUE)
        assert "¥400.00" in message.text and fam["parent"].name in message.text
    premium_pay(person=fam["parent"], year=2026, acting_user=fam["user"], allow_cash=True)
    assert premiums_due_notify(year=2027) == 0  # no rate for 2027
    InboxMessage.objects.all().delete()
    assert premiums_due_notify(year=2026) == 0  # paid: nothing is due


def test_important_sms_respect_the_daily_limit(fam, settings, django_capture_on_commit_callbacks):
    settings.ACCOUNTS_SMS_NOTICES_PER_DAY = 2
    for n in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            made = send(fam, key=f"k{n}", amount="10.00")
        transfer_decline(transfer_id=made.pk, acting_user=fam["parent_user"])
    assert len(inbox(fam["parent_user"], MessageKind.TRANSFER_WAITING)) == 3
    assert OutboundMessage.objects.filter(purpose="notice:transfer_waiting").count() == 2


# The page ---------------------------------------------------------------------------


def test_the_message_centre_lists_counts_and_opens_messages(
    fam, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        send(fam)
    client = Client()
    client.force_login(fam["parent_user"])
    client.cookies["django_language"] = "en"
    home = client.get(reverse("home")).content.decode()
    assert 'class="msg-badge"' in home and "You have 1 new message." in home
    page = client.get(reverse("inbox")).content.decode()
    assert "Accept it by 06:00 tomorrow" in page and "Mark all as read" in page
    message = InboxMessage.objects.get()
    opened = client.get(reverse("inbox_open", args=[message.pk]))
    assert opened.status_code == 302 and opened["Location"] == reverse("wallet:index") + "#pending"
    message.refresh_from_db()
    assert message.is_read
    assert 'class="msg-badge"' not in client.get(reverse("home")).content.decode()
    # Somebody else's message is not theirs to open.
    other = Client()
    other.force_login(fam["user"])
    assert other.get(reverse("inbox_open", args=[message.pk])).status_code == 404


def test_mark_all_read(fam, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        made = send(fam)
        transfer_decline(transfer_id=made.pk, acting_user=fam["parent_user"])
    client = Client()
    client.force_login(fam["user"])
    assert inbox(fam["user"]) and not inbox(fam["user"])[0].is_read
    client.post(reverse("inbox_read_all"))
    assert all(m.is_read for m in inbox(fam["user"]))


def test_an_event_is_told_to_each_login_once(me, django_capture_on_commit_callbacks):
    """A keyed event written twice (a daily job run again) reaches each login
    once, and named logins hear of it beside the person's own login."""
    other = UserFactory(username="lisi")
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            message_send(
                kind=MessageKind.REGISTRATION_ENDING,
                facts={"name": me.name, "end": "2026-03-31"},
                user_ids=[other.pk],
                to_family_of=me,
                key="registration_ending:1",
            )
    assert sorted(m.user_id for m in InboxMessage.objects.all()) == sorted([me.user_id, other.pk])
