"""Writes for people (RULES.md A, F): keyword-only, atomic, audited.

One module per subject; everything is importable from `accounts.services`.
"""

from accounts.services.dependent_answers import (
    dependent_end,
    dependent_respond,
    dependent_review,
)
from accounts.services.dependent_checks import dependent_needs_review
from accounts.services.dependents import (
    dependent_confirm_code,
    dependent_request,
    dependent_resend_code,
)
from accounts.services.facilities import facility_choose
from accounts.services.messages import (
    inbox_open,
    inbox_read_all,
    message_done,
    message_send,
    message_send_once,
    preference_set,
)
from accounts.services.persons import person_claim, person_claimable, person_qr_rotate
from accounts.services.registrations import (
    commitment_text,
    registration_cancel,
    registration_end,
    registration_file,
    registrations_ending_notify,
)
from accounts.services.relationships import relationship_create, relationship_delete
from accounts.services.signup import (
    password_reset_finish,
    password_reset_start,
    signup_finish,
    signup_start,
    signup_verify_in_person,
)

__all__ = [
    "dependent_needs_review",
    "commitment_text",
    "dependent_confirm_code",
    "dependent_end",
    "dependent_request",
    "dependent_resend_code",
    "dependent_respond",
    "dependent_review",
    "facility_choose",
    "inbox_open",
    "inbox_read_all",
    "message_done",
    "message_send",
    "message_send_once",
    "password_reset_finish",
    "password_reset_start",
    "preference_set",
    "person_claim",
    "person_claimable",
    "person_qr_rotate",
    "registration_cancel",
    "registration_end",
    "registration_file",
    "registrations_ending_notify",
    "relationship_create",
    "relationship_delete",
    "signup_finish",
    "signup_start",
    "signup_verify_in_person",
]
