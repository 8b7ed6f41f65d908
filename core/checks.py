"""`manage.py check --deploy` refuses the test clock (core/clock.py): production
reads the real time, always. Staging and demos set PORTAL_TEST_CLOCK=1 and do
not run the deploy checks."""

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def test_clock_off_in_production(app_configs, **kwargs) -> list[Error]:
    if not getattr(settings, "PORTAL_TEST_CLOCK", False):
        return []
    return [
        Error(
            "PORTAL_TEST_CLOCK is on: an operator could move the portal's time, and "
            "every rule, job and page with it.",
            hint="Unset PORTAL_TEST_CLOCK in production (it is for staging and demos).",
            id="core.E201",
        )
    ]
