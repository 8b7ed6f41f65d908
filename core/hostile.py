"""Refuse requests no honest browser sends, before any view or query sees them.

PostgreSQL cannot store or compare a text holding a NUL byte (it raises, which
became a 500), and a field of hundreds of thousands of characters only costs
work (a password hash, a lockout row, a log line). Both get the portal's plain
"request could not be understood" page with status 400 and nothing saved.
Forms still carry their own ``max_length`` (a field error a person can read);
this is the net under every form, query string and path, including the ones a
form does not guard (the admin's login, htmx pickers, URL parameters)."""

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, HttpResponse, QueryDict
from django.views.defaults import bad_request

NUL = "\x00"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class HostileInput(SuspiciousOperation):
    """A request with a NUL byte or an overlong field."""


def _bad_values(data: QueryDict, limit: int) -> bool:
    for key, values in data.lists():
        if NUL in key or len(key) > limit:
            return True
        for value in values:
            if isinstance(value, str) and (NUL in value or len(value) > limit):
                return True
    return False


def refusal(request: HttpRequest) -> str:
    """Why this request is refused, or "" when it may go on."""
    limit = settings.REQUEST_FIELD_MAX_CHARS
    if NUL in request.path or NUL in request.path_info:
        return "NUL byte in the path"
    if _bad_values(request.GET, limit):
        return "NUL byte or overlong value in the query string"
    is_form = request.content_type in FORM_TYPES
    if request.method == "POST" and is_form and _bad_values(request.POST, limit):
        return "NUL byte or overlong value in the form"
    return ""


class HostileInputMiddleware:
    """A 400 page for NUL bytes (raw or ``%00``) in the path, the query string or
    a form field, and for any field longer than REQUEST_FIELD_MAX_CHARS."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        reason = refusal(request)
        if reason:
            return bad_request(request, HostileInput(reason))
        return self.get_response(request)
