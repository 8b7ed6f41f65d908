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
