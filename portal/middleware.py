from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import check_for_language


class PortalLocaleMiddleware:
    """Simplified Chinese unless the user picked another language.

    Unlike Django's LocaleMiddleware this ignores the browser's Accept-Language:
    the portal is Chinese by default, and English is a choice made with the
    switcher (which sets the language cookie).
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen and check_for_language(chosen) else settings.LANGUAGE_CODE
        language = translation.get_supported_language_variant(language)
        # override() puts the thread's previous language back afterwards, so one
        # request's choice never leaks into whatever this thread does next.
        # Streaming responses that render lazily pass the language explicitly.
        with translation.override(language):
            request.LANGUAGE_CODE = translation.get_language()
            response = self.get_response(request)
            patch_vary_headers(response, ("Cookie",))
            response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        return response
