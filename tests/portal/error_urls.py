"""The portal's URLs plus two views that fail, for the error-page tests."""

from django.core.exceptions import PermissionDenied
from django.urls import path

from portal.urls import urlpatterns as portal_urlpatterns


def boom(request):
    raise RuntimeError("secret-detail-of-the-crash")


def forbidden(request):
    raise PermissionDenied("secret-detail-of-the-refusal")


urlpatterns = [
    path("test-boom/", boom),
    path("test-forbidden/", forbidden),
    *portal_urlpatterns,
]
