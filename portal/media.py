"""Uploaded files (a child's document, a proof of residence, bulk activation files)
are personal data: only staff may fetch them, in development and production alike.
Users never get a media link; administrators open them from the admin (A3, F3)."""

from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.static import serve


@never_cache
@staff_member_required
def media_for_staff(request: HttpRequest, path: str) -> HttpResponse:
    response = serve(request, path, document_root=settings.MEDIA_ROOT)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = "attachment"  # never rendered inline as a page
    return response
