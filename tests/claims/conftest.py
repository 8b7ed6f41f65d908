import pytest

from tests.claims.factories import CHONGQING_RESIDENT, EMPLOYEE_OUTPATIENT, directory, policy
from tests.factories import chongqing


@pytest.fixture
def cq(db):
    """Chongqing with the 2026 test directory and policies (C4 residents' example
    plus an employee outpatient row with a 200 deductible)."""
    region = chongqing()
    directory(2026)
    policy(region, rules=CHONGQING_RESIDENT)
    policy(region, insurance_type="employee", rules=EMPLOYEE_OUTPATIENT)
    return region


@pytest.fixture(autouse=True)
def _default_language_afterwards(settings):
    """A request in English leaves English active in this thread (the locale
    middleware activates and does not deactivate); put the default back so
    later tests in the same worker see Chinese, whatever ran before them."""
    yield
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
