"""Passkeys (WebAuthn) as a family login's second factor (A10).

A family login may add passkeys: from then on a password alone opens no page;
the login is finished with one of its passkeys (the phone's or computer's
screen lock, fingerprint or face) or, when none is at hand, with one of the
recovery codes shown when the first passkey was added. Staff logins keep their
authenticator app and the four-eyes enrolment (portal.services.two_factor).

The py_webauthn library checks every ceremony: the challenge this session was
given (once, for PASSKEY_CHALLENGE_SECONDS), the origin and relying party of
the request, the signature with the stored public key, and a signature counter
that must go up (a counter that goes back means a copied authenticator).
"""

import dataclasses
import ipaddress
import json
import time

import webauthn
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.http.request import split_domain_port
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.crypto import salted_hmac
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from accounts.models import MessageKind
from accounts.services import message_send
from core import clock
from core.audit import audit_record
from portal.models import Passkey
from portal.services import two_factor

CHALLENGE = "portal_passkey_challenge"  # session: {"purpose", "challenge", "at"}
NEEDS_PASSKEY = "portal_needs_passkey"  # session: this login must finish with a passkey


class PasskeyRefused(Exception):
    """What the person is told, in their language, when a passkey is not taken."""


@dataclasses.dataclass(frozen=True)
class RelyingParty:
    rp_id: str
    origin: str

    @property
    def usable(self) -> bool:
        """Browsers refuse passkeys on a bare IP address (WebAuthn §5.1.3)."""
        try:
            ipaddress.ip_address(self.rp_id.strip("[]"))
        except ValueError:
            return bool(self.rp_id)
        return False


def relying_party(request: HttpRequest) -> RelyingParty:
    """The portal as the browser sees it: the host Django already checked
    against ALLOWED_HOSTS, or PASSKEY_RP_ID when a parent domain is set."""
    host = request.get_host()
    domain, _port = split_domain_port(host)
    return RelyingParty(rp_id=settings.PASSKEY_RP_ID or domain, origin=f"{request.scheme}://{host}")


def allowed_for(user) -> bool:
    """Passkeys are for family logins; staff keep the authenticator app, whose
    first enrolment another administrator vouches for."""
    return user.is_authenticated and not (user.is_staff or user.is_superuser)


def _tell(user, kind: str, **facts) -> None:
    """The owner hears of every change to how their login is finished, in the
    message centre and by text: a passkey added by whoever stole the password
    would otherwise lock the owner out unseen."""
    when = formats.date_format(timezone.localtime(clock.real_now()), "Y-m-d H:i")
    message_send(
        kind=kind,
        user_ids=[user.pk],
        facts={**facts, "when": when},
        link=reverse("passkeys"),
        important=True,
    )


def has_passkeys(*, user) -> bool:
    return Passkey.objects.filter(user=user, confirmed=True).exists()


def _user_handle(user) -> bytes:
    # Stable and meaningless outside the portal: no ID number, no phone.
    return salted_hmac("portal.passkey.user", str(user.pk)).digest()[:32]


def _descriptor(passkey: Passkey) -> PublicKeyCredentialDescriptor:
    transports = []
    for name in passkey.transports or []:
        try:
            transports.append(AuthenticatorTransport(name))
        except ValueError:
            continue  # one a newer browser named; the credential still works
    return PublicKeyCredentialDescriptor(id=bytes(passkey.credential_id), transports=transports)


def _challenge_keep(session, purpose: str, challenge: bytes) -> None:
    session[CHALLENGE] = {
        "purpose": purpose,
        "challenge": bytes_to_base64url(challenge),
        "at": time.time(),
    }


def _challenge_take(session, purpose: str) -> bytes:
    """The challenge this session was given for `purpose`, used up here."""
    kept = session.pop(CHALLENGE, None)
    if (
        not kept
        or kept.get("purpose") != purpose
        or time.time() - kept.get("at", 0) > settings.PASSKEY_CHALLENGE_SECONDS
    ):
        raise PasskeyRefused("expired")
    return base64url_to_bytes(kept["challenge"])


def registration_options(*, user, rp: RelyingParty, session) -> str:
    """The browser's `navigator.credentials.create()` options (JSON), with this
    login's passkeys excluded so one authenticator is not added twice."""
    options = webauthn.generate_registration_options(
        rp_id=rp.rp_id,
        rp_name=settings.PASSKEY_RP_NAME,
        user_id=_user_handle(user),
        user_name=user.get_username(),
        user_display_name=user.get_username(),
        exclude_credentials=[_descriptor(p) for p in Passkey.objects.filter(user=user)],
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED,
            user_verification=UserVerificationRequirement.PREFERRED,
        ),
        timeout=settings.PASSKEY_CHALLENGE_SECONDS * 1000,
    )
    _challenge_keep(session, "register", options.challenge)
    return webauthn.options_to_json(options)


def _parse(credential) -> dict:
    if isinstance(credential, str | bytes):
        try:
            credential = json.loads(credential)
        except ValueError:
            raise WebAuthnException("not JSON") from None
    if not isinstance(credential, dict):
        raise WebAuthnException("not a JSON object")
    return credential


def _refused(user, exc: Exception) -> PasskeyRefused:
    # Written after the ceremony's transaction has rolled back, so it stays.
    audit_record(actor=user, action="passkey.refused", details={"why": str(exc)[:200]})
    return PasskeyRefused("invalid")


def passkey_add(*, user, credential, name: str, rp: RelyingParty, session):
    """Keep the passkey the browser made for this session's challenge. Returns
    (passkey, recovery codes): fresh codes with the first passkey, shown once;
    [] when the login had passkeys already. PasskeyRefused when the browser's
    answer does not hold (audited), or the login has PASSKEYS_PER_LOGIN already."""
    challenge = _challenge_take(session, "register")
    try:
        return _passkey_keep(
            user=user, credential=credential, name=name, rp=rp, challenge=challenge
        )
    except WebAuthnException as exc:
        raise _refused(user, exc) from None


@transaction.atomic
def _passkey_keep(*, user, credential, name: str, rp: RelyingParty, challenge: bytes):
    # The login's row is the lock: FOR UPDATE cannot go with COUNT(*) (Django
    # drops it), and two adds at once must not pass PASSKEYS_PER_LOGIN together.
    get_user_model().objects.select_for_update().only("pk").get(pk=user.pk)
    count = Passkey.objects.filter(user=user).count()
    if count >= settings.PASSKEYS_PER_LOGIN:
        raise PasskeyRefused("too_many")
    credential = _parse(credential)
    verified = webauthn.verify_registration_response(
        credential=credential,
        expected_challenge=challenge,
        expected_rp_id=rp.rp_id,
        expected_origin=rp.origin,
    )
    transports = credential.get("response", {}).get("transports") or []
    try:
        with transaction.atomic():
            passkey = Passkey.objects.create(
                user=user,
                name=(name or "").strip()[:64] or f"passkey {count + 1}",
                confirmed=True,
                credential_id=verified.credential_id,
                public_key=verified.credential_public_key,
                sign_count=verified.sign_count,
                transports=[str(t) for t in transports][:8],
                backed_up=bool(verified.credential_backed_up),
            )
    except IntegrityError:
        raise PasskeyRefused("duplicate") from None
    audit_record(actor=user, action="passkey.add", target=passkey, details={"name": passkey.name})
    _tell(user, MessageKind.PASSKEY_ADDED, name=passkey.name)
    codes = two_factor.recovery_codes_renew(user=user) if count == 0 else []
    return passkey, codes


def authentication_options(*, user, rp: RelyingParty, session) -> str:
    """The browser's `navigator.credentials.get()` options (JSON) for the
    passkeys of this login."""
    options = webauthn.generate_authentication_options(
        rp_id=rp.rp_id,
        allow_credentials=[_descriptor(p) for p in Passkey.objects.filter(user=user)],
        user_verification=UserVerificationRequirement.PREFERRED,
        timeout=settings.PASSKEY_CHALLENGE_SECONDS * 1000,
    )
    _challenge_keep(session, "login", options.challenge)
    return webauthn.options_to_json(options)


def passkey_verify(*, user, credential, rp: RelyingParty, session) -> Passkey:
    """The passkey of `user` that signed this session's challenge, its counter
    moved on; PasskeyRefused (audited) otherwise."""
    challenge = _challenge_take(session, "login")
    try:
        passkey = _passkey_check(user=user, credential=credential, rp=rp, challenge=challenge)
    except WebAuthnException as exc:
        raise _refused(user, exc) from None
    audit_record(actor=user, action="passkey.verify", target=passkey)
    return passkey


@transaction.atomic
def _passkey_check(*, user, credential, rp: RelyingParty, challenge: bytes) -> Passkey:
    credential = _parse(credential)
    try:
        raw_id = base64url_to_bytes(str(credential.get("rawId") or credential.get("id") or ""))
    except ValueError:
        raise WebAuthnException("credential id is not base64url") from None
    passkey = (
        Passkey.objects.select_for_update()
        .filter(user=user, confirmed=True, credential_id=raw_id)
        .first()
    )
    if passkey is None:
        raise WebAuthnException("not a passkey of this login")
    verified = webauthn.verify_authentication_response(
        credential=credential,
        expected_challenge=challenge,
        expected_rp_id=rp.rp_id,
        expected_origin=rp.origin,
        credential_public_key=bytes(passkey.public_key),
        credential_current_sign_count=passkey.sign_count,
    )
    passkey.sign_count = verified.new_sign_count
    passkey.last_used_at = clock.real_now()
    passkey.save(update_fields=["sign_count", "last_used_at"])
    return passkey


@transaction.atomic
def passkey_remove(*, actor, user, passkey_id: int) -> bool:
    """Remove one passkey of `user` (by the person, or staff in the admin for a
    lost one). With the last one gone, the recovery codes go too: the login is
    a password login again."""
    passkey = Passkey.objects.filter(user=user, pk=passkey_id).first()
    if passkey is None:
        return False
    audit_record(actor=actor, action="passkey.remove", target=passkey, details={"for": user.pk})
    _tell(user, MessageKind.PASSKEY_REMOVED, name=passkey.name)
    passkey.delete()
    if not Passkey.objects.filter(user=user).exists():
        StaticDevice.objects.filter(user=user, name=two_factor.RECOVERY_NAME).delete()
    return True


def recovery_code_used(*, user) -> int:
    """A recovery code finished a login instead of a passkey: the owner is
    told, with how many codes are left (returned)."""
    left = StaticToken.objects.filter(
        device__user=user, device__name=two_factor.RECOVERY_NAME
    ).count()
    _tell(user, MessageKind.RECOVERY_CODE_USED, left=left)
    return left
