"""Writes for the message centre (消息中心): one function the services of every
app call when something happens that a family should hear about.

Messages are written when the caller's transaction commits (on_commit): a
transfer that rolls back leaves no "transfer waiting" behind, and a message
that cannot be written never undoes the money (robust=True logs it instead).
The morning sweep writes its messages inside its own statement instead.
Important messages also go to the SMS outbox, to the phone of the login's own
insured record, at most ACCOUNTS_SMS_NOTICES_PER_DAY (5) a phone and day
(core.ratelimit).
"""

import json
import logging

from django.conf import settings
from django.db import transaction
from django.utils import translation

from accounts.models import DependentBinding, InboxMessage, InsuredPerson, OutboundMessage
from accounts.models.outbox import NOTICE
from accounts.services import codes
from accounts.sql.inbox import MESSAGE_WRITE
from core import clock, ratelimit
from core.db import prepared_cursor

log = logging.getLogger(__name__)


def message_send(
    *,
    kind: str,
    facts: dict,
    user_ids=(),
    about: InsuredPerson | None = None,
    to_family_of: InsuredPerson | None = None,
    exclude=None,
    link: str = "",
    important: bool = False,
    key: str = "",
) -> None:
    """Write a message to each login of `user_ids`, and to every login that
    hears about `to_family_of` (their own and every login that looks after
    them, A3) except `exclude`, once the current
    transaction commits; nothing is read or written before that, so a caller
    holding row locks is not slowed down. `facts` fill the kind's sentence
    (names, amounts, dates as text); `about` is the person it concerns; `key`
    makes the message once-only per login (a daily job's event)."""
    facts = {name: str(value) for name, value in facts.items()}
    about = about or to_family_of
    person_id = about.pk if about is not None else None
    skip = getattr(exclude, "pk", exclude)

    def write() -> None:
        written = _write_sql(
            kind=kind,
            facts=facts,
            user_ids=list(user_ids),
            person_id=person_id,
            family_of=getattr(to_family_of, "pk", None),
            skip=skip,
            link=link,
            important=important,
            key=key,
        )
        if important and written:
            for message in InboxMessage.objects.filter(pk__in=written):
                _sms(message)

    transaction.on_commit(write, robust=True)


def _write_sql(
    *, kind, facts, user_ids, person_id, family_of, skip, link, important, key
) -> list[int]:
    """The messages written (ids), in one prepared statement (accounts/sql/inbox.py)."""
    params = _write_params(
        kind=kind,
        facts=facts,
        user_ids=user_ids,
        person_id=person_id,
        family_of=family_of,
        skip=skip,
        link=link,
        important=important,
        key=key,
    )
    with prepared_cursor() as cursor:
        cursor.execute(MESSAGE_WRITE.text, params)
        return [row[0] for row in cursor.fetchall()]


def _write_params(
    *, kind, facts, user_ids, person_id, family_of, skip, link, important, key
) -> dict:
    return {
        "kind": kind,
        "person": person_id,
        "facts": json.dumps(facts),
        "link": link,
        "important": important,
        "key": key,
        "now": clock.now(),
        "users": [int(u) for u in user_ids if u is not None],
        "family_of": family_of,
        "active": DependentBinding.Status.ACTIVE.value,
        "skip": skip,
    }


def message_send_once(
    *,
    key: str,
    kind: str,
    facts: dict,
    to_family_of: InsuredPerson,
    link: str = "",
    important: bool = False,
) -> bool:
    """A daily job's message (F3 registrations ending, P3 premiums due): sent,
    in a transaction of its own, unless a message with this event's `key` was
    written already, so the job may run again the same day and tell no one
    twice. True when it was sent."""
    if InboxMessage.objects.filter(key=key).exists():
        return False
    with transaction.atomic():
        message_send(
            kind=kind,
            to_family_of=to_family_of,
            facts=facts,
            link=link,
            important=important,
            key=key,
        )
    return True


def _sms(message: InboxMessage) -> None:
    """Queue the message as an SMS to the login's own phone, within the notices'
    daily limit per phone (core.ratelimit, ACCOUNTS_SMS_NOTICES_PER_DAY, 5): a
    family's phone must not be flooded. Notices have their own budget, so they
    never use up the one-time codes' sends (A1)."""
    own = InsuredPerson.objects.filter(user_id=message.user_id).only("pk", "phone").first()
    if own is None or not own.phone:
        return
    per_day = int(getattr(settings, "ACCOUNTS_SMS_NOTICES_PER_DAY", 5))
    try:
        ratelimit.consume(ratelimit.Daily("sms-notice-day", own.phone, per_day))
    except ratelimit.RateLimited:
        log.info("SMS notice to person %s not queued: the day's %d are sent", own.pk, per_day)
        return
    with translation.override(settings.LANGUAGE_CODE):  # SMS in the portal's language
        body = message.text
    OutboundMessage.objects.create(
        phone=own.phone, person=own, body=codes.sms_signed(body), purpose=f"{NOTICE}{message.kind}"
    )


def inbox_open(*, user, message_id: int) -> InboxMessage:
    """The login's message `message_id`, marked read (404 for anyone else's)."""
    from django.http import Http404

    message = InboxMessage.objects.filter(user=user, pk=message_id).first()
    if message is None:
        raise Http404
    if message.read_at is None:
        message.read_at = clock.now()
        message.save(update_fields=["read_at"])
    return message


def message_done(*, key: str) -> None:
    """What a message asked for is finished (a transfer accepted or declined, a
    request answered): every login's copy of it stops showing as new, once the
    current transaction commits, as it was written."""

    def done() -> None:
        InboxMessage.objects.filter(key=key, read_at__isnull=True).update(read_at=clock.now())

    transaction.on_commit(done, robust=True)


def inbox_read_all(*, user) -> int:
    """Mark every unread message of the login read; returns how many."""
    return InboxMessage.objects.filter(user=user, read_at__isnull=True).update(read_at=clock.now())


def preference_set(*, user, elder_mode: bool | None = None, language: str | None = None) -> None:
    """Elder mode (长辈模式) on or off, or the language chosen, for this login on
    every device; what is not given stays as it was."""
    from accounts.models import LoginPreference

    changes = {"elder_mode": elder_mode, "language": language}
    LoginPreference.objects.update_or_create(
        user=user, defaults={name: value for name, value in changes.items() if value is not None}
    )
