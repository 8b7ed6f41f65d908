"""Structured logs: one line per record, JSON in production, with the id of the
request (or of the request that queued the Celery task) on every line, and no
ID number, phone number or one-time code in any of them.

Why redact at the formatter: a log line is built from many places (our messages,
a database error's DETAIL naming a duplicate key, a URL with a query string, a
traceback); masking the finished text is the one place that sees them all.
"""

import contextvars
import datetime
import json
import logging
import re
import time
import traceback
import uuid

from django.conf import settings

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")

# An id taken from a proxy's X-Request-ID header: letters, digits, dashes; short.
_GIVEN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{7,63}")

# A national ID number (GB 11643: 17 digits and a digit or X), a mainland mobile
# number, and a one-time code where it is named as one ("code 123456", "验证码
# 123456"). Digits next to the match are not part of it: an 18-digit ID inside a
# 20-digit number is not an ID number.
_NATIONAL_ID = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{8})(\d{3}[0-9Xx])(?![0-9A-Za-z])")
_PHONE = re.compile(r"(?<!\d)(1[3-9]\d)(\d{4})(\d{4})(?!\d)")
_CODE = re.compile(r"(?i)((?:code|验证码|校验码)[^0-9\n]{0,12})\d{4,8}(?!\d)")
# A quoted run of 4-8 digits: a code as an SQL parameter ('731946' in a query
# logged at DEBUG) or in a repr'd value. Masks some harmless numbers too (a
# region code): a debugging line loses a little, a code never shows.
_QUOTED_DIGITS = re.compile(r"(?<=')\d{4,8}(?=')")
# A path whose last part is a bearer token (a proof's verify link, a staff
# enrolment link): whoever holds the token sees the page, so no log keeps it.
TOKEN_PATHS = ("verify", "staff-enrol")
_TOKEN_PATH = re.compile(rf"(/(?:{'|'.join(TOKEN_PATHS)})/)[^/?#\s\"'\\]+")


def redact(text: str) -> str:
    """`text` with ID numbers shown as 5001**********2149 (A1's masked form),
    phone numbers as 139****0001, and one-time codes (named, or quoted digits)
    as ******, and the token of a token link (/verify/…/) as [token]."""
    if not text:
        return text
    text = _NATIONAL_ID.sub(lambda m: m.group(1)[:4] + "*" * 10 + m.group(3)[-4:], text)
    text = _PHONE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)
    text = _QUOTED_DIGITS.sub("******", text)
    text = _TOKEN_PATH.sub(r"\1[token]", text)
    return _CODE.sub(lambda m: f"{m.group(1)}******", text)


def new_request_id(given: str | None = None) -> str:
    """The proxy's id when it is a plausible one, else a fresh one."""
    if given and _GIVEN_ID.fullmatch(given):
        return given
    return uuid.uuid4().hex


class ContextFilter(logging.Filter):
    """Adds ``request_id`` (and, inside a Celery task, ``task_id`` and
    ``task_name``) to every record, so formatters can always name them."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", ""):
            record.request_id = request_id.get()
        task = _current_task()
        record.task_id = getattr(task.request, "id", "") if task else ""
        record.task_name = task.name if task else ""
        return True


def _current_task():
    try:
        from celery import current_task
    except ImportError:  # pragma: no cover - celery is a requirement
        return None
    task = current_task._get_current_object() if current_task else None
    if task is None or getattr(task.request, "id", None) is None:
        return None
    return task


class PlainFormatter(logging.Formatter):
    """Development: one readable line, the request id in brackets."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        if not hasattr(record, "request_id"):
            ContextFilter().filter(record)
        return redact(super().format(record))


class JsonFormatter(logging.Formatter):
    """Production: one JSON object per line (time in UTC, ISO 8601)."""

    def format(self, record: logging.LogRecord) -> str:
        if not hasattr(record, "request_id"):
            ContextFilter().filter(record)
        line = {
            "time": datetime.datetime.fromtimestamp(record.created, tz=datetime.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": record.request_id,
        }
        if record.task_id:
            line["task_id"] = record.task_id
            line["task"] = record.task_name
        if record.exc_info:
            line["exception"] = "".join(traceback.format_exception(*record.exc_info)).rstrip()
        elif record.exc_text:
            line["exception"] = record.exc_text
        if record.stack_info:
            line["stack"] = record.stack_info
        return redact(json.dumps(line, ensure_ascii=False, default=str))


def logging_config(*, json_lines: bool, level: str) -> dict:
    """The LOGGING setting: everything to stderr through one handler."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"context": {"()": ContextFilter}},
        "formatters": {
            "json": {"()": JsonFormatter},
            "plain": {"()": PlainFormatter},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "json" if json_lines else "plain",
                "filters": ["context"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "django.db.backends": {"level": "WARNING"},
            "axes": {"level": "WARNING"},  # one line per login attempt otherwise
            # Celery's own loggers reach the root handler (the worker does not
            # install its own when worker_hijack_root_logger is off).
            "celery": {"level": level},
        },
    }


# -- the request id across the web request → Celery task boundary ------------------

HEADER = "portal_request_id"


def on_task_publish(headers: dict | None = None, **kwargs) -> None:
    """celery.signals.before_task_publish: the queuing request's id travels in the
    message's headers (unless the sender set one, as the job outbox does)."""
    if headers is not None and not headers.get(HEADER):
        headers[HEADER] = request_id.get()


_outer_ids: contextvars.ContextVar[tuple[str, ...]] = contextvars.ContextVar(
    "outer_request_ids", default=()
)


def on_task_start(task=None, **kwargs) -> None:
    """celery.signals.task_prerun: the task's log lines carry that id. A task run
    eagerly inside a request (no message, no header) keeps the request's id."""
    request = getattr(task, "request", None)
    given = getattr(request, HEADER, None) or (getattr(request, "headers", None) or {}).get(HEADER)
    _outer_ids.set((*_outer_ids.get(), request_id.get()))
    if given:
        request_id.set(given)


def on_task_end(task=None, **kwargs) -> None:
    """celery.signals.task_postrun: back to the id from before the task."""
    outer = _outer_ids.get()
    if outer:
        request_id.set(outer[-1])
        _outer_ids.set(outer[:-1])


access_log = logging.getLogger("portal.request")


class RequestIdMiddleware:
    """Gives each request an id (the proxy's X-Request-ID when it sends a sane
    one), logs carry it, and the response names it so a user's report ("it said
    error, reference …") finds the lines. One access line per request outside
    DEBUG (Django's development server writes its own)."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response
        self.access_lines = not settings.DEBUG

    def __call__(self, request):
        rid = new_request_id(request.headers.get("X-Request-ID"))
        token = request_id.set(rid)
        request.request_id = rid
        started = time.monotonic()
        try:
            response = self.get_response(request)
            if self.access_lines:
                access_log.info(
                    "%s %s %s %.0f ms",
                    request.method,
                    request.get_full_path(),
                    response.status_code,
                    (time.monotonic() - started) * 1000,
                )
        finally:
            request_id.reset(token)
        response.headers.setdefault("X-Request-ID", rid)
        return response
