"""Sign-up that proves the phone on the record, and a new password by SMS (A1).

Sign-up: the ID number and name only *find* the record. The login is created
and linked only when the person enters the one-time code texted to the phone
number on that record, or to a phone an administrator checked in person
(``signup_verify_in_person``). The answer to the first step is the same
whatever was typed (unknown ID, wrong name, no phone, a record that already
has a login): "if these details match, a code was sent", so the form tells a
stranger nothing about which ID numbers are on record.

New password: a username or phone number finds the login; the code goes to the
phone on its insurance record; the same answer whether or not one was found.
Setting the password ends every other session of the login (Django checks the
password hash stored in each session).

Every text goes through codes.sms_send (per phone and per login limits); wrong
codes are audit rows counted per person per day.
"""

import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts import national_id as nid
from accounts import usernames
from accounts.actions import Action
from accounts.backends import phone_digits, user_for_phone
from accounts.models import AccountsPolicy, CodeChallenge, InsuredPerson
from accounts.services import codes
from accounts.services.persons import person_claim
from core import clock
from core.audit import audit_record
from core.normalise import names_match
from core.reasons import Refusal

Purpose = CodeChallenge.Purpose
SIGNUP_WRONG = "signup.code_wrong"
RESET_WRONG = "reset.code_wrong"


def _challenge(*, purpose, subject, person=None, user=None, phone="", verified_by=None, policy):
    return CodeChallenge.objects.create(
        purpose=purpose,
        subject=subject,
        person=person,
        user=user,
        phone=phone,
        verified_by=verified_by,
        expires_at=clock.now() + datetime.timedelta(minutes=policy.code_ttl_minutes),
    )


def _subject(kind: str, typed: str) -> str:
    # Keyed: the table does not give away which ID numbers or usernames were tried.
    return salted_hmac("accounts.challenge_subject", f"{kind}:{typed}").hexdigest()


def _wrong_today(*, purpose: str, subject: str) -> int:
    """Wrong codes today for what was typed (A6): the same count whether the
    details found a record or not, so a stranger reads nothing from it."""
    midnight = timezone.make_aware(datetime.datetime.combine(clock.localdate(), datetime.time()))
    challenges = CodeChallenge.objects.filter(
        purpose=purpose, subject=subject, created_at__gte=midnight
    )
    return challenges.aggregate(n=Sum("attempts"))["n"] or 0


def _allowed(*, phone: str, owner: str) -> bool:
    """Take one text from the phone's and owner's limits (the anonymous share,
    A6); False when used up. The anonymous doors answer the same either way: a
    used-up phone must not tell a stranger that the record exists."""
    try:
        codes.sms_allowance(phone=phone, owner=owner, anonymous=True)
    except Refusal:
        return False
    return True


def _end_earlier(*, purpose, person: InsuredPerson | None, subject: str = "") -> None:
    """A new code ends every earlier challenge of the same purpose for the same
    record (A4): only the latest code works, so a code read off a lost phone or
    an old text cannot set a password after a newer one was sent."""
    now = clock.now()
    same = Q(person=person) if person is not None else Q(pk__in=[])
    if subject:
        same |= Q(subject=subject)
    CodeChallenge.objects.filter(
        same, purpose=purpose, used_at__isnull=True, expires_at__gt=now
    ).update(expires_at=now)


def _send(
    *, challenge: CodeChallenge, text: str, actor=None, owner: str, deliver: bool = True
) -> None:
    """Give the challenge a fresh code (hashed) and text it to its phone. With
    `deliver` False (details that found no record) the same code is made,
    hashed and worded, and no text goes anywhere: the same work either way."""
    policy = AccountsPolicy.current()
    code = codes.new_code()
    challenge.code_hash = codes.code_hash(challenge.purpose, challenge.pk, code)
    challenge.save(update_fields=["code_hash"])
    with translation.override("zh-hans"):  # texts go out in Chinese
        body = _(text) % {"code": code, "minutes": policy.code_ttl_minutes}
    if not deliver:
        return
    challenge.message = codes.sms_send(
        actor=actor,
        phone=challenge.phone,
        person=challenge.person,
        purpose=f"{challenge.purpose}_code",
        body=body,
        code=code,
        expires_at=challenge.expires_at,
        owner=owner,
        limits_taken=True,
    )
    challenge.save(update_fields=["message"])


SIGNUP_TEXT = gettext_noop(
    "Your sign-up code is %(code)s, valid for %(minutes)d "
    "minutes. Never give it to anyone: staff will never ask for it."
)
VERIFIED_TEXT = gettext_noop(
    "Your identity was checked at the insurance office. To "
    "finish signing up, open the sign-up page, enter your ID number and name, then this "
    "code: %(code)s (valid for %(minutes)d minutes)."
)
ALREADY_TEXT = gettext_noop(
    "Someone tried to sign up with your ID number and name, "
    "but your record already has a login. If it was you, log in or set a new password. "
    "If not, you can ignore this message."
)
RESET_TEXT = gettext_noop(
    "Your code to set a new password is %(code)s, valid for "
    "%(minutes)d minutes. If you did not ask for it, ignore this message: your password "
    "stays as it is."
)


@transaction.atomic
def signup_start(*, national_id: str, name: str, address: str = "") -> CodeChallenge:
    """The first step of sign-up (A1): returns the challenge whose code the
    person is asked for next. Only a matching record without a login and with
    a phone (or an administrator's check) gets a real code; every other answer
    is a challenge no code can meet, so the page looks the same (A6): the limits
    counted per ID number hold for every ID alike, and a record's own limits
    (its phone's texts, a text sent a moment ago) are never told to a stranger."""
    try:
        normalized, _born, _sex = nid.parse(national_id)
    except ValidationError as exc:  # GB 11643 format: about the form, not the record
        raise ValidationError({"national_id": exc.error_list}) from None
    policy = AccountsPolicy.current()
    # The same limits whatever the record: per address and for the portal a day,
    # one try a minute and ten a day per ID number.
    codes.anonymous_door(address=address)
    codes.sms_allowance(phone=f"id:{normalized}", owner=f"id:{normalized}", field=None)
    subject = _subject("id", normalized)
    if _wrong_today(purpose=Purpose.SIGNUP, subject=subject) >= policy.code_max_attempts:
        raise Refusal("A1-10")
    dead = {"purpose": Purpose.SIGNUP, "subject": subject, "policy": policy}
    person = InsuredPerson.objects.select_for_update().filter(national_id=normalized).first()
    if person is None or not names_match(name, person.name):
        return _challenge(**dead)
    if person.user_id is not None:
        _tell_owner(person)
        return _challenge(**dead)
    checked = (
        CodeChallenge.objects.filter(
            purpose=Purpose.SIGNUP,
            person=person,
            verified_by__isnull=False,
            used_at__isnull=True,
            expires_at__gt=clock.now(),
        )
        .order_by("-pk")
        .first()
    )
    if checked is not None:  # an administrator already texted a code to a checked phone
        return checked
    owner = f"person:{person.pk}"
    if not person.phone or not _allowed(phone=person.phone, owner=owner):
        return _challenge(**dead)
    _end_earlier(purpose=Purpose.SIGNUP, person=person, subject=subject)
    challenge = _challenge(**dead, person=person, phone=person.phone)
    _send(challenge=challenge, text=SIGNUP_TEXT, owner=owner)
    return challenge


def _tell_owner(person: InsuredPerson) -> None:
    """Someone typed the details of a record that has a login: its owner learns
    of it by text, when the phone's limits allow one (never told to the page)."""
    owner = f"user:{person.user_id}"
    if not person.phone or not _allowed(phone=person.phone, owner=owner):
        return
    with translation.override("zh-hans"):
        body = _(ALREADY_TEXT)
    codes.sms_send(
        actor=None,
        phone=person.phone,
        person=person,
        purpose="signup_notice",
        body=body,
        owner=owner,
        limits_taken=True,
    )


@transaction.atomic
def signup_verify_in_person(*, actor, person: InsuredPerson, phone: str) -> CodeChallenge:
    """An administrator saw the person (ID card) and checked a phone in their
    hands: text a sign-up code to that phone (A1; the record may have no
    phone, or an old one). Audited with the masked number."""
    digits = phone_digits(phone)
    if not digits:
        raise Refusal("A1-13", field="phone")
    person = InsuredPerson.objects.select_for_update().get(pk=person.pk)
    if person.user_id is not None:
        raise Refusal("A1-02")
    policy = AccountsPolicy.current()
    subject = _subject("id", person.national_id)
    _end_earlier(purpose=Purpose.SIGNUP, person=person, subject=subject)
    challenge = _challenge(
        purpose=Purpose.SIGNUP,
        subject=subject,
        person=person,
        phone=digits,
        verified_by=actor,
        policy=policy,
    )
    owner = f"person:{person.pk}"
    codes.sms_allowance(phone=digits, owner=owner)
    _send(challenge=challenge, text=VERIFIED_TEXT, actor=actor, owner=owner)
    audit_record(
        actor=actor,
        action="person.verify_in_person",
        person=person,
        target=challenge,
        details={"phone": codes.masked_phone(digits)},
    )
    return challenge


def _check(*, challenge_id: int | None, purpose: str, code: str, wrong_action: str, actor=None):
    """Lock the challenge and check `code`; commit a wrong guess even though the
    caller then refuses. Returns (challenge, refusal code or "")."""
    code = codes.typed_code(code)
    with transaction.atomic():
        challenge = (
            CodeChallenge.objects.select_for_update()
            .filter(pk=challenge_id, purpose=purpose)
            .first()
        )
        if challenge is None or challenge.used_at is not None:
            return None, "A1-12"
        if clock.now() >= challenge.expires_at:
            return challenge, "A1-09"
        policy = AccountsPolicy.current()
        wrong_today = 0
        if challenge.subject:  # counted alike for records and invented details (A6)
            wrong_today = _wrong_today(purpose=purpose, subject=challenge.subject)
        elif challenge.person is not None:  # a challenge made before subjects
            wrong_today = codes.wrong_codes_today(action=wrong_action, person=challenge.person)
        if max(challenge.attempts, wrong_today) >= policy.code_max_attempts:
            return challenge, "A1-10"
        expected = challenge.code_hash
        if expected and constant_time_compare(
            expected, codes.code_hash(challenge.purpose, challenge.pk, code)
        ):
            return challenge, ""
        challenge.attempts += 1
        challenge.save(update_fields=["attempts"])
        if challenge.person is not None:
            audit_record(
                actor=actor,
                action=wrong_action,
                person=challenge.person,
                target=challenge,
                details={"attempts": challenge.attempts},
            )
        wrong = max(challenge.attempts, wrong_today + 1)  # this guess is not counted yet
        if wrong >= policy.code_max_attempts:
            return challenge, "A1-10"
        challenge.left = policy.code_max_attempts - wrong
        return challenge, "A1-08"


def _refuse(challenge, reason: str):
    params = {"left": getattr(challenge, "left", 0)} if reason == "A1-08" else {}
    return Refusal(reason, field="code", **params)


def _used(challenge: CodeChallenge) -> None:
    challenge.used_at = clock.now()
    challenge.save(update_fields=["used_at"])
    if challenge.message is not None:
        challenge.message.redact()


def signup_finish(*, challenge_id: int | None, code: str, username: str, password: str):
    """The second step of sign-up (A1): the right code creates the login with
    this username and password and links it to the record; a wrong one counts.
    A phone-shaped username is refused before the code is looked at (A4)."""
    if usernames.looks_like_phone(username):
        raise Refusal("A4-01", field="username")
    challenge, reason = _check(
        challenge_id=challenge_id, purpose=Purpose.SIGNUP, code=code, wrong_action=SIGNUP_WRONG
    )
    if reason:
        raise _refuse(challenge, reason)
    with transaction.atomic():
        user = get_user_model().objects.create_user(username=username, password=password)
        person = challenge.person
        person_claim(user=user, national_id=person.national_id, name=person.name)
        _used(challenge)
        audit_record(
            actor=user,
            action="signup.complete",
            person=person,
            target=challenge,
            details={"checked_in_person": challenge.verified_by_id is not None},
        )
    return user


@transaction.atomic
def password_reset_start(*, identifier: str, address: str = "") -> CodeChallenge:
    """First step of a new password: a username or phone number. A code goes
    to the phone on the login's insurance record; otherwise nothing is sent,
    and the answer is the same (A6). Both ways do the same work: the same
    look-ups, a challenge, a code made and hashed, the limits taken, an audit
    row; only the text itself is left out when no login was found."""
    policy = AccountsPolicy.current()
    identifier = (identifier or "").strip()
    key = phone_digits(identifier) or identifier.casefold()
    codes.anonymous_door(address=address)
    codes.sms_allowance(phone=f"reset:{key}", owner=f"reset:{key}", field=None)
    subject = _subject("reset", key)
    if _wrong_today(purpose=Purpose.RESET, subject=subject) >= policy.code_max_attempts:
        raise Refusal("A1-10")
    user_model = get_user_model()
    user = user_model.objects.filter(**{user_model.USERNAME_FIELD: identifier}).first()
    if user is None:
        user = user_for_phone(identifier)
    person = InsuredPerson.objects.filter(user_id=user.pk if user is not None else None).first()
    found = user is not None and user.is_active and person is not None and bool(person.phone)
    owner = f"user:{user.pk}" if found else f"reset:{key}"
    phone = person.phone if found else f"none:{key}"
    found = _allowed(phone=phone, owner=owner) and found
    _end_earlier(purpose=Purpose.RESET, person=person if found else None, subject=subject)
    challenge = _challenge(
        purpose=Purpose.RESET,
        subject=subject,
        person=person if found else None,
        user=user if found else None,
        phone=phone if found else "",
        policy=policy,
    )
    _send(challenge=challenge, text=RESET_TEXT, owner=owner, deliver=found)
    audit_record(actor=None, action=Action.AUTH_RESET_ASKED, target=challenge, details={})
    return challenge


def password_reset_finish(*, challenge_id: int | None, code: str, password: str):
    """Second step: the right code sets the new password. Every other session of
    the login ends (their stored password hash no longer matches)."""
    challenge, reason = _check(
        challenge_id=challenge_id, purpose=Purpose.RESET, code=code, wrong_action=RESET_WRONG
    )
    if reason:
        raise _refuse(challenge, reason)
    with transaction.atomic():
        user = challenge.user
        user.set_password(password)
        user.save(update_fields=["password"])
        _used(challenge)
        audit_record(
            actor=user, action="auth.password_reset", person=challenge.person, target=challenge
        )
    return user
