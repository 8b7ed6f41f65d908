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
from django.utils import translation
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts import national_id as nid
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


def _challenge(*, purpose, person=None, user=None, phone="", verified_by=None, policy):
    return CodeChallenge.objects.create(
        purpose=purpose,
        person=person,
        user=user,
        phone=phone,
        verified_by=verified_by,
        expires_at=clock.now() + datetime.timedelta(minutes=policy.code_ttl_minutes),
    )


def _send(*, challenge: CodeChallenge, text: str, actor=None, owner: str) -> None:
    """Give the challenge a fresh code (hashed) and text it to its phone."""
    policy = AccountsPolicy.current()
    code = codes.new_code()
    challenge.code_hash = codes.code_hash(challenge.purpose, challenge.pk, code)
    challenge.save(update_fields=["code_hash"])
    with translation.override("zh-hans"):  # texts go out in Chinese
        body = _(text) % {"code": code, "minutes": policy.code_ttl_minutes}
    challenge.message = codes.sms_send(
        actor=actor,
        phone=challenge.phone,
        person=challenge.person,
        purpose=f"{challenge.purpose}_code",
        body=body,
        code=code,
        expires_at=challenge.expires_at,
        owner=owner,
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
def signup_start(*, national_id: str, name: str) -> CodeChallenge:
    """The first step of sign-up (A1): returns the challenge whose code the
    person is asked for next. Only a matching record without a login and with
    a phone (or an administrator's check) gets a real code; every other answer
    is a challenge no code can meet, so the page looks the same."""
    try:
        normalized, _born, _sex = nid.parse(national_id)
    except ValidationError as exc:  # GB 11643 format: about the form, not the record
        raise ValidationError({"national_id": exc.error_list}) from None
    policy = AccountsPolicy.current()
    # The same limits whatever the record: one try a minute, ten a day per ID number.
    codes.sms_allowance(phone=f"id:{normalized}", owner=f"id:{normalized}", field=None)
    person = InsuredPerson.objects.select_for_update().filter(national_id=normalized).first()
    if person is None or not names_match(name, person.name):
        return _challenge(purpose=Purpose.SIGNUP, policy=policy)
    if codes.wrong_codes_today(action=SIGNUP_WRONG, person=person) >= policy.code_max_attempts:
        raise Refusal("A1-10")
    if person.user_id is not None:
        if person.phone:  # the owner learns of it; the page says what it says to all
            with translation.override("zh-hans"):
                body = _(ALREADY_TEXT)
            codes.sms_send(
                actor=None,
                phone=person.phone,
                person=person,
                purpose="signup_notice",
                body=body,
                owner=f"user:{person.user_id}",
            )
        return _challenge(purpose=Purpose.SIGNUP, policy=policy)
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
    if not person.phone:
        return _challenge(purpose=Purpose.SIGNUP, policy=policy)
    challenge = _challenge(purpose=Purpose.SIGNUP, person=person, phone=person.phone, policy=policy)
    _send(challenge=challenge, text=SIGNUP_TEXT, owner=f"person:{person.pk}")
    return challenge


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
    CodeChallenge.objects.filter(
        purpose=Purpose.SIGNUP, person=person, used_at__isnull=True
    ).update(expires_at=clock.now())
    challenge = _challenge(
        purpose=Purpose.SIGNUP, person=person, phone=digits, verified_by=actor, policy=policy
    )
    _send(challenge=challenge, text=VERIFIED_TEXT, actor=actor, owner=f"person:{person.pk}")
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
        if challenge.person is not None:
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
        wrong = max(challenge.attempts, wrong_today + 1)
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
    this username and password and links it to the record; a wrong one counts."""
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
def password_reset_start(*, identifier: str) -> CodeChallenge:
    """First step of a new password: a username or phone number. A code goes
    to the phone on the login's insurance record; otherwise nothing is sent,
    and the answer is the same."""
    policy = AccountsPolicy.current()
    identifier = (identifier or "").strip()
    key = phone_digits(identifier) or identifier.casefold()
    codes.sms_allowance(phone=f"reset:{key}", owner=f"reset:{key}", field=None)
    user_model = get_user_model()
    user = user_model.objects.filter(**{user_model.USERNAME_FIELD: identifier}).first()
    if user is None:
        user = user_for_phone(identifier)
    person = InsuredPerson.objects.filter(user=user).first() if user is not None else None
    if user is None or not user.is_active or person is None or not person.phone:
        return _challenge(purpose=Purpose.RESET, policy=policy)
    if codes.wrong_codes_today(action=RESET_WRONG, person=person) >= policy.code_max_attempts:
        raise Refusal("A1-10")
    challenge = _challenge(
        purpose=Purpose.RESET, person=person, user=user, phone=person.phone, policy=policy
    )
    _send(challenge=challenge, text=RESET_TEXT, owner=f"user:{user.pk}")
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
