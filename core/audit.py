"""The audit trail (Zulip-style actions): who did what, for whom, when.

Every state change writes one row through ``audit_record`` (or, on a hot SQL
path that saves a round trip, writes the values ``audit_row`` gives in its own
statement). ``acting_user`` is an argument, never a global. Actions are the
``Action`` choices: a misspelt action is an error, not a new kind of row.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Action(models.TextChoices):
    # People (A, F)
    PERSON_CLAIM = "person.claim", _("claimed an insurance record (sign-up)")
    PERSON_QR_ROTATE = "person.qr_rotate", _("renewed the insurance QR code")
    RELATIONSHIP_CREATE = "relationship.create", _("recorded a relationship")
    RELATIONSHIP_DELETE = "relationship.delete", _("removed a relationship")
    DEPENDENT_REQUEST = "dependent.request", _("asked to add a dependent")
    DEPENDENT_ACTIVATE = "dependent.activate", _("dependent account activated")
    DEPENDENT_CODE_WRONG = "dependent.code_wrong", _("wrong confirmation code")
    DEPENDENT_CODE_RESEND = "dependent.code_resend", _("confirmation code sent again")
    DEPENDENT_EXPIRE = "dependent.expire", _("dependent request expired (wrong codes today)")
    DEPENDENT_DECLINE = "dependent.decline", _("relative declined a dependent request")
    DEPENDENT_REJECT = "dependent.reject", _("child binding rejected")
    DEPENDENT_END = "dependent.end", _("dependent account ended")
    FACILITY_CHOOSE = "facility.choose", _("designated facility chosen")
    REGISTRATION_FILE = "registration.file", _("non-local registration filed")
    REGISTRATION_CANCEL = "registration.cancel", _("non-local registration cancelled")
    PERSON_VERIFY_IN_PERSON = (
        "person.verify_in_person",
        _("identity checked in person, sign-up code texted"),
    )
    SIGNUP_COMPLETE = "signup.complete", _("signed up with the texted code")
    SIGNUP_CODE_WRONG = "signup.code_wrong", _("wrong sign-up code")
    SMS_SEND = "sms.send", _("text message queued")
    # Logging in (A1; staff second factor)
    AUTH_LOGIN = "auth.login", _("logged in")
    AUTH_LOGOUT = "auth.logout", _("logged out")
    AUTH_LOGIN_FAILED = "auth.login_failed", _("failed login")
    AUTH_LOCKOUT = "auth.lockout", _("login locked after failed logins")
    AUTH_PASSWORD_RESET = "auth.password_reset", _("new password set with a texted code")
    AUTH_SESSIONS_END = "auth.sessions_end", _("sessions of a login ended")
    RESET_CODE_WRONG = "reset.code_wrong", _("wrong password-reset code")
    TWO_FACTOR_ENROL = "2fa.enrol", _("authenticator enrolled")
    TWO_FACTOR_VERIFY = "2fa.verify", _("second factor checked")
    TWO_FACTOR_WRONG_CODE = "2fa.wrong_code", _("wrong second-factor code")
    TWO_FACTOR_RECOVERY_CODES = "2fa.recovery_codes", _("new recovery codes made")
    # Money (W, P)
    WALLET_OPEN = "wallet.open", _("wallet opened")
    WALLET_CHANGE_USAGE = "wallet.change_usage", _("wallet usage location changed")
    TRANSFER_CREATE = "transfer.create", _("transfer sent")
    TRANSFER_ACCEPTED = "transfer.accepted", _("transfer accepted")
    TRANSFER_DECLINED = "transfer.declined", _("transfer declined")
    TRANSFER_RETURNED = "transfer.returned", _("transfer returned")
    TRANSFER_SWEEP = "transfer.sweep", _("morning sweep ran")
    POOLING_BIND = "pooling.bind", _("family pooling bound")
    POOLING_END = "pooling.end", _("family pooling ended")
    CONTRIBUTION_POST = "contribution.post", _("monthly contribution posted")
    PAYMENT_CREATE = "payment.create", _("payment made")
    # Bulk proxy activation (W2)
    BULK_UPLOAD = "wallet.bulk_upload", _("bulk activation file uploaded")
    BULK_CHECKED = "wallet.bulk_checked", _("bulk activation file checked")
    BULK_REJECTED = "wallet.bulk_rejected", _("bulk activation file refused")
    BULK_CONFIRM = "wallet.bulk_confirm", _("bulk activation confirmed")
    BULK_CANCEL = "wallet.bulk_cancel", _("bulk activation cancelled")
    BULK_RESUME = "wallet.bulk_resume", _("bulk activation resumed")
    BULK_START = "wallet.bulk_start", _("bulk activation started")
    BULK_DONE = "wallet.bulk_done", _("bulk activation done")
    # Claims (C, T)
    BILL_CREATE = "claims.bill_create", _("bill entered")
    BILL_SETTLE = "claims.bill_settle", _("bill settled")
    DIRECTORY_IMPORT = "claims.directory_import", _("directory imported")
    CHRONIC_APPLY = "claims.chronic_apply", _("chronic disease recognition applied for")
    CHRONIC_APPROVE = "claims.chronic_approve", _("chronic disease recognition approved")
    CHRONIC_REFUSE = "claims.chronic_refuse", _("chronic disease recognition refused")
    # Any model changed in the admin (the target names the model and row)
    ADMIN_ADD = "admin.add", _("added in the admin")
    ADMIN_CHANGE = "admin.change", _("changed in the admin")
    ADMIN_DELETE = "admin.delete", _("deleted in the admin")


def audit_row(
    *,
    actor,
    action: str,
    person=None,
    target_label: str = "",
    details: dict | None = None,
) -> dict:
    """The field values of the audit row ``audit_record`` writes (labels
    included), for a service that writes the row in its own SQL statement (a hot
    path saving a round trip). ``target_label`` is "app.Model:pk"; ``person`` is
    an insured person (settings.AUDIT_PERSON_MODEL: its name and masked ID are
    recorded, never the full number, A1)."""
    action = Action(action)  # ValueError for an action nobody declared
    actor = actor if actor is not None and actor.is_authenticated else None
    return {
        "actor": actor,
        "person": person,
        "action": action.value,
        "target": target_label,
        "details": details or {},
        "actor_label": actor.get_username() if actor is not None else "",
        "person_label": f"{person.name} {person.masked_id}" if person is not None else "",
    }


def audit_record(
    *,
    actor,
    action: str,
    person=None,
    target: models.Model | None = None,
    details: dict | None = None,
):
    """Append one audit row: who (`actor`, a user or None for the system) did
    `action` for whom (`person`) on what (`target`), with `details`. Never put a
    full national ID in `details`: use the masked form."""
    from core.models import AuditEvent

    label = f"{target._meta.label}:{target.pk}" if target is not None else ""
    return AuditEvent.objects.create(
        **audit_row(actor=actor, action=action, person=person, target_label=label, details=details)
    )


def target_label(obj: models.Model, pk=None) -> str:
    """How an audit row names the object it is about: "app.Model:pk"."""
    return f"{obj._meta.label}:{obj.pk if pk is None else pk}"


def audit_insert(rows):
    """The audit insert other apps' statements embed (core.sql.fragment): an
    ``INSERT INTO`` the audit trail from `rows`, a SELECT giving (at, actor,
    person, action, target, details as jsonb, actor label, person label) as
    audit_row gives them."""
    from core.models import AuditEvent
    from core.sql import fragment

    return fragment(
        "core",
        "audit_insert",
        """INSERT INTO {e} ({e:at}, {e:actor}, {e:person}, {e:action}, {e:target}, {e:details},
                            {e:actor_label}, {e:person_label})
           {rows}""",
        e=AuditEvent,
        rows=rows,
    )
