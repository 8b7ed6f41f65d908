"""One registry of numbered reasons (openIMIS style): every refusal a rule makes,
every reduction a settlement applies, every row bulk activation skips.

One code format, ``<rule id>-<nn>`` (``W6-01``, ``C3-01``, ``A1-01``): the rule id
is RULES.md's, the number tells reasons of one rule apart. Each reason has

- a *family sentence*: translated, shown to families, never naming the rule id
  (families read sentences, administrators read rule ids);
- an *admin label*: ``W6-01: <sentence>``, for the admin, logs and support;
- optionally the form field it belongs to.

Apps declare their reasons in their own ``reasons`` module with ``register``
(the sentences are the domain's words); this module holds the registry and the
one refusal exception. A code is registered once: a second registration of the
same code is a programming error caught at import.
"""

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.functional import Promise

CODE = re.compile(r"^(?P<rule>[A-Z]\d{1,2})-(?P<number>\d{2})$")


@dataclass(frozen=True)
class Reason:
    code: str
    sentence: Promise | str  # lazily translated; may use %(name)s parameters
    field: str | None = None  # the form field it is about (None: the whole form)

    @property
    def rule(self) -> str:
        """The RULES.md id the reason belongs to: "W6" for "W6-01"."""
        return self.code.split("-", 1)[0]

    def text(self, **params) -> str:
        """The family sentence in the active language, parameters filled in."""
        return str(self.sentence % params) if params else str(self.sentence)

    def admin_label(self, **params) -> str:
        """The sentence with its code in front, for administrators."""
        return f"{self.code}: {self.text(**params)}"


REGISTRY: dict[str, Reason] = {}


def register(code: str, sentence, *, field: str | None = None) -> Reason:
    if not CODE.match(code):
        raise ValueError(f"reason code {code!r} is not <rule id>-<nn>, e.g. W6-01")
    if code in REGISTRY:
        raise ValueError(f"reason code {code} is registered twice")
    REGISTRY[code] = reason = Reason(code=code, sentence=sentence, field=field)
    return reason


def get(code: str) -> Reason:
    return REGISTRY[code]


def sentence(code: str, **params) -> str:
    """The family sentence of `code` ("" for an unknown code)."""
    found = REGISTRY.get(code)
    return found.text(**params) if found is not None else ""


def admin_label(code: str, **params) -> str:
    """``W6-01: sentence`` (the bare code when it is unknown)."""
    found = REGISTRY.get(code)
    return found.admin_label(**params) if found is not None else code


class Refusal(ValidationError):
    """A rule said no: a ValidationError carrying the reason's ``code``, its
    ``params`` and the ``field`` it is about. Raised by services; views show it
    with ``attach(form, refusal)``, the admin with ``admin_messages``."""

    def __init__(self, code: str, *, field: str | None = None, **params) -> None:
        reason = REGISTRY[code]
        field = field or reason.field
        message = ValidationError(reason.sentence, code=code, params=params or None)
        super().__init__({field: message} if field else message)
        self.code, self.params, self.field, self.reason = code, params, field, reason

    def __str__(self) -> str:
        return self.messages[0]


def attach(form, error: ValidationError) -> None:
    """Show a service's ValidationError on `form`: each message next to its field
    when the form has that field, else above the form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def admin_messages(error: ValidationError) -> list[str]:
    """An error's messages as administrators read them: registered reasons with
    their code in front (``W6-01: …``), anything else as it is."""
    found = []
    errors = error.error_dict.values() if hasattr(error, "error_dict") else [error.error_list]
    for group in errors:
        for item in group:
            text = next(iter(ValidationError([item])))
            found.append(f"{item.code}: {text}" if item.code in REGISTRY else text)
    return found
