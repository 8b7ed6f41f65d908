"""Staff second factor (STAFF_2FA): TOTP from an authenticator app, with
one-time recovery codes, on django-otp's devices.

Recovery codes are stored as keyed hashes (HMAC with SECRET_KEY, truncated to
the 16 characters django-otp's token column holds), so a copy of the database
does not give them away; the codes themselves are shown once, at enrolment or
when renewed. Wrong codes slow down per device (django-otp's throttling).
"""

import datetime
import hashlib
import math
import secrets

from django.conf import settings
from django.db import transaction
from django.utils.crypto import salted_hmac
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from core import clock
from core.audit import audit_record
from portal.models import StaffEnrolmentLink

TOTP_NAME = "authenticator"
RECOVERY_NAME = "recovery codes"
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread


def _recovery_hash(code: str) -> str:
    code = "".join(code.split()).replace("-", "").lower()
    return salted_hmac("portal.recovery_code", code).hexdigest()[:16]


def _new_recovery_code() -> str:
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(10))
    return f"{raw[:5]}-{raw[5:]}"


def totp_pending(*, user) -> TOTPDevice:
    """The unconfirmed authenticator being enrolled (one per user, reused so a
    reloaded page shows the same QR code)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)
    return device


def has_authenticator(*, user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


@transaction.atomic
def recovery_codes_renew(*, user) -> list[str]:
    """New recovery codes (the old ones stop working); returned once, in clear."""
    device, _created = StaticDevice.objects.get_or_create(
        user=user, name=RECOVERY_NAME, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [_new_recovery_code() for _ in range(settings.STAFF_2FA_RECOVERY_CODES)]
    StaticToken.objects.bulk_create(
        StaticToken(device=device, token=_recovery_hash(code)) for code in codes
    )
    audit_record(actor=user, action="2fa.recovery_codes", details={"count": len(codes)})
    return codes


def _link_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def enrolment_link_issue(*, user, issued_by) -> str:
    """A one-time enrolment link's token for `user`'s authenticator, shown once
    to whoever issued it; earlier unused links of the user stop working. Issued
    by another administrator, or on the server (``issued_by`` None: the
    staff_enrol command)."""
    if not (user.is_staff or user.is_superuser):
        raise ValueError("enrolment links are for staff logins")
    if issued_by is not None and issued_by.pk == user.pk:
        raise ValueError("another administrator issues the link")
    now = clock.now()
    StaffEnrolmentLink.objects.filter(user=user, used_at__isnull=True).update(used_at=now)
    token = secrets.token_urlsafe(32)
    link = StaffEnrolmentLink.objects.create(
        user=user,
        token_hash=_link_hash(token),
        issued_by=issued_by,
        expires_at=now + datetime.timedelta(hours=settings.STAFF_ENROL_LINK_HOURS),
    )
    audit_record(
        actor=issued_by,
        action="2fa.enrol_link",
        target=link,
        details={"for": user.get_username(), "hours": settings.STAFF_ENROL_LINK_HOURS},
    )
    return token


def enrolment_link_valid(*, user, token: str = "", pk: int | None = None):
    """The unused, unexpired link of `user` with this token (or id), or None."""
    links = StaffEnrolmentLink.objects.filter(
        user=user, used_at__isnull=True, expires_at__gt=clock.now()
    )
    if token:
        return links.filter(token_hash=_link_hash(token)).first()
    return links.filter(pk=pk).first() if pk is not None else None


@transaction.atomic
def totp_enrol(*, user, token: str, link_id: int | None = None):
    """Confirm the pending authenticator with a code it shows; on success the
    user's earlier authenticators are removed and fresh recovery codes made.
    A staff member's first authenticator needs a valid enrolment link (used up
    here); None, [] when the code or the link is not right."""
    link = None
    if not has_authenticator(user=user):
        link = enrolment_link_valid(user=user, pk=link_id)
        if link is None:
            return None, []
    device = totp_pending(user=user)
    if not device.verify_token("".join(token.split())):
        return None, []
    TOTPDevice.objects.filter(user=user, confirmed=True).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    if link is not None:
        StaffEnrolmentLink.objects.filter(pk=link.pk).update(used_at=clock.now())
    audit_record(actor=user, action="2fa.enrol", details={"device": device.name})
    return device, recovery_codes_renew(user=user)


def second_factor_check(*, user, token: str):
    """The device that accepts `token` (authenticator code or recovery code),
    or None. A used recovery code is gone; every try is throttled per device."""
    token = "".join(token.split())
    devices = []
    if token.isdigit():
        devices = list(TOTPDevice.objects.filter(user=user, confirmed=True))
        candidate = token
    else:
        devices = list(StaticDevice.objects.filter(user=user, confirmed=True))
        candidate = _recovery_hash(token)
    for device in devices:
        with transaction.atomic():
            if device.verify_token(candidate):
                return device
    return None


def throttled_for(*, user, pending: TOTPDevice | None = None) -> int:
    """Seconds to wait before the next try, when wrong codes have slowed it down
    (the confirmed devices, or the authenticator being enrolled)."""
    wait = 0
    devices = (
        [pending]
        if pending is not None
        else [
            *TOTPDevice.objects.filter(user=user, confirmed=True),
            *StaticDevice.objects.filter(user=user, confirmed=True),
        ]
    )
    for device in devices:
        allowed, data = device.verify_is_allowed()
        if not allowed and data and data.get("locked_until"):
            remaining = (data["locked_until"] - clock.real_now()) / datetime.timedelta(seconds=1)
            wait = max(wait, math.ceil(remaining))
    return wait


def second_factor_verify(*, user, token: str):
    """A staff login's code checked (an authenticator's or a recovery code) and
    audited either way; the device that accepted it, or None."""
    device = second_factor_check(user=user, token=token)
    if device is None:
        audit_record(actor=user, action="2fa.wrong_code")
    else:
        audit_record(actor=user, action="2fa.verify", details={"device": device.name})
    return device
