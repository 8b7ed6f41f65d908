"""One-time codes sent by SMS (A1, A3), the one door every text goes through.

- Every send is limited per phone number and per login (or, before a login
  exists, per insured person): at most one every ``SMS_INTERVAL_SECONDS`` and
  ``SMS_PER_DAY`` a day (settings), on the shared cache limiter.
- Codes are stored as keyed hashes; the outbox keeps a code readable only until
  it is sent, used, replaced or expired (OutboundMessage.redact).
- Wrong guesses are audit rows, and the daily allowance of guesses is counted
  from them per (requester, person) and calendar day, so asking again, or
  withdrawing and re-adding a request, buys no new guesses.
"""

import datetime
import secrets
import unicodedata

from django.conf import settings
from django.utils import timezone
from django.utils.crypto import salted_hmac

from accounts.models import InsuredPerson, OutboundMessage
from core import clock, ratelimit
from core.audit import audit_record
from core.models import AuditEvent
from core.reasons import Refusal


def new_code() -> str:
    return f"{secrets.randbelow(10**6):06d}"


def code_hash(kind: str, pk: int, code: str) -> str:
    # Keyed with SECRET_KEY and bound to one row: a leaked table does not give
    # codes away, and a code cannot be replayed on another request.
    return salted_hmac(f"accounts.{kind}_code", f"{pk}:{code}").hexdigest()


def typed_code(code: str, reason: str = "A1-11", field: str = "code") -> str:
    """A code as typed (spaces, full-width digits) or a refusal."""
    code = "".join(unicodedata.normalize("NFKC", code or "").split())
    if len(code) != 6 or not (code.isascii() and code.isdigit()):
        raise Refusal(reason, field=field)
    return code


def masked_phone(phone: str) -> str:
    return f"{phone[:3]}****{phone[-4:]}" if len(phone) >= 7 else "****"


def sms_limits(*, phone: str, owner: str, anonymous: bool = False) -> list[ratelimit.Limit]:
    """The limits of one send: per phone number and per owner (a login, or the
    insured person before a login exists). A send nobody signed in asked for
    (sign-up, a new password) may use only the phone's day less the part kept
    for the person's own signed-in use (A6: a stranger cannot spend it all)."""
    interval, per_day = settings.SMS_INTERVAL_SECONDS, settings.SMS_PER_DAY
    limits = [
        ratelimit.Interval("sms-phone", phone, interval),
        ratelimit.Interval("sms-owner", owner, interval),
        ratelimit.Daily("sms-phone-day", phone, per_day),
        ratelimit.Daily("sms-owner-day", owner, per_day),
    ]
    if anonymous:
        anonymous_share = max(per_day - settings.SMS_KEPT_FOR_SIGNED_IN, 0)
        limits.append(ratelimit.Daily("sms-phone-anonymous-day", phone, anonymous_share))
    return limits


def _take(limits: list[ratelimit.Limit], *, field: str | None) -> None:
    try:
        ratelimit.consume(*limits)
    except ratelimit.Unavailable:
        raise Refusal("A1-14", field=field) from None
    except ratelimit.RateLimited as exc:
        if isinstance(exc.limit, ratelimit.Interval):
            raise Refusal("A1-06", field=field, wait=exc.wait_seconds) from None
        raise Refusal("A1-07", field=field, count=settings.SMS_PER_DAY) from None


def sms_allowance(
    *, phone: str, owner: str, field: str | None = "code", anonymous: bool = False
) -> None:
    """Take one send from the limits or refuse (A1-06 wait, A1-07 tomorrow, A1-14
    the limits cannot be checked now)."""
    _take(sms_limits(phone=phone, owner=owner, anonymous=anonymous), field=field)


def owner_allowance(*, owner: str, field: str | None = "code") -> None:
    """Take one send from the owner's own limits (a login's) or refuse, as
    sms_allowance does: for a send whose phone's limits are taken apart
    (phone_allowance), or that has no phone at all (A6)."""
    interval, per_day = settings.SMS_INTERVAL_SECONDS, settings.SMS_PER_DAY
    limits = [
        ratelimit.Interval("sms-owner", owner, interval),
        ratelimit.Daily("sms-owner-day", owner, per_day),
    ]
    _take(limits, field=field)


def phone_allowance(*, phone: str) -> bool:
    """Take one send from the phone's limits; False when they are used up or
    cannot be checked. The caller then sends nothing and tells nobody: whether
    someone's phone was texted a moment ago is not the requester's to learn (A6)."""
    interval, per_day = settings.SMS_INTERVAL_SECONDS, settings.SMS_PER_DAY
    limits = [
        ratelimit.Interval("sms-phone", phone, interval),
        ratelimit.Daily("sms-phone-day", phone, per_day),
    ]
    try:
        _take(limits, field=None)
    except Refusal:
        return False
    return True


# Every text opens with the one signature a Chinese SMS gateway requires (the
# sender's registered name in 【】), the same for codes and notices alike.
SMS_SIGNATURE = "【家庭医保服务平台】"


def sms_signed(body: str) -> str:
    """The text as it goes out: the portal's signature, then the body."""
    return f"{SMS_SIGNATURE}{body}"


def sms_send(
    *,
    actor,
    phone: str,
    person: InsuredPerson | None,
    purpose: str,
    body: str,
    code: str = "",
    expires_at: datetime.datetime | None = None,
    owner: str,
    limits_taken: bool = False,
) -> OutboundMessage:
    """Queue one text in the outbox after the limits allow it (unless the
    caller took them already: `limits_taken`). An earlier code of the same
    purpose to the same phone is blanked out (it no longer works). Audited
    without the code: purpose and a masked number only."""
    if not limits_taken:
        sms_allowance(phone=phone, owner=owner)
    if code:
        for older in OutboundMessage.objects.filter(phone=phone, purpose=purpose).exclude(code=""):
            older.redact()
    message = OutboundMessage.objects.create(
        phone=phone,
        person=person,
        body=sms_signed(body),
        purpose=purpose,
        code=code,
        code_expires_at=expires_at,
    )
    audit_record(
        actor=actor,
        action="sms.send",
        person=person,
        target=message,
        details={"purpose": purpose, "phone": masked_phone(phone)},
    )
    return message


def outbox_redact_expired() -> int:
    """Blank the codes of outbox messages that have expired (Celery beat)."""
    done = 0
    for message in OutboundMessage.objects.exclude(code="").filter(
        code_expires_at__lte=clock.now()
    ):
        message.redact()
        done += 1
    return done


def wrong_codes_today(*, action: str, person: InsuredPerson | None, actor=None) -> int:
    """Wrong codes entered today (local calendar day) by `actor` for `person`."""
    midnight = timezone.make_aware(datetime.datetime.combine(clock.localdate(), datetime.time()))
    events = AuditEvent.objects.filter(action=action, at__gte=midnight)
    if person is not None:
        events = events.filter(person=person)
    if actor is not None:
        events = events.filter(actor=actor)
    return events.count()


def anonymous_door(*, address: str, field: str | None = None) -> None:
    """One use of a door that texts without a login (sign-up, a new password),
    counted per address and for the whole portal a day (A6), before anything
    is looked up: refused alike whatever was typed (A6-02, A6-03)."""
    per_address = settings.SMS_ANONYMOUS_PER_ADDRESS
    limits = [
        ratelimit.Daily("sms-door-address", address or "-", per_address),
        ratelimit.Daily("sms-door-all", "all", settings.SMS_ANONYMOUS_PER_DAY),
    ]
    try:
        ratelimit.consume(*limits)
    except ratelimit.Unavailable:
        raise Refusal("A1-14", field=field) from None
    except ratelimit.RateLimited as exc:
        if exc.limit.name == "sms-door-address":
            raise Refusal("A6-02", field=field, count=per_address) from None
        raise Refusal("A6-03", field=field) from None
