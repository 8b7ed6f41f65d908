"""The annual summary's exports (T1): names and facility names print as typed in
the PDF (never read as markup), impossible years answer 404, and CSV cells that a
spreadsheet would run as formulas are neutralised."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from accounts.models import DependentBinding
from claims import exports
from claims.selectors import annual_summary
from tests.claims.factories import settle
from tests.factories import FacilityFactory, InsuredPersonFactory

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 6, 1, 10, 0, tzinfo=datetime.UTC)
NAME = '<font size="40">王&五</font><img src="/etc/x"/>'
FACILITY = "A&B <医院> </para>"


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def marked_up(cq, user):
    InsuredPersonFactory(region=cq, insurance_type="employee", user=user)
    parent = InsuredPersonFactory(region=cq, insurance_type="resident", name=NAME)
    DependentBinding.objects.create(user=user, person=parent, relation="parent", status="active")
    hospital = FacilityFactory(region=cq, tier=2, name=FACILITY)
    settle(parent, hospital, [("A100", 1, "100.00")], day=datetime.date(2026, 5, 2))
    return parent


def _plain(paragraph) -> str:
    return "".join(frag.text for frag in paragraph.frags)


def test_pdf_prints_names_as_typed_not_as_markup(user_client, marked_up):
    response = user_client.get(reverse("claims:summary_pdf", args=[marked_up.pk, 2026]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    summary = annual_summary(person=marked_up, year=2026)
    bills = marked_up.bills.select_related("facility")
    story = exports.summary_story(summary, bills)
    texts = [_plain(flowable) for flowable in story if hasattr(flowable, "frags")]
    assert any(text.startswith(NAME + " · ") for text in texts)
    # One font size for the name line: the <font> in the name is text, not a tag.
    name_line = next(f for f in story if hasattr(f, "frags") and NAME in _plain(f))
    assert {frag.fontSize for frag in name_line.frags} == {10}
    table = story[-3]
    cells = [_plain(cell) for row in table._cellvalues for cell in row]
    assert FACILITY in cells


@pytest.mark.parametrize("year", [0, 1, 1997, 2027, 99999])
def test_impossible_years_answer_404(user_client, marked_up, year):
    for name in ("claims:summary_pdf", "claims:summary_csv"):
        assert user_client.get(reverse(name, args=[marked_up.pk, year])).status_code == 404


def test_a_past_year_still_exports(user_client, marked_up):
    response = user_client.get(reverse("claims:summary_csv", args=[marked_up.pk, 2020]))
    assert response.status_code == 200


@pytest.mark.parametrize(
    "typed", ['=HYPERLINK("http://evil.example","点我")', "+1+1", "-2+3", "@SUM(A1)", "\tx"]
)
def test_csv_cells_that_would_run_as_formulas_get_an_apostrophe(cq, user, user_client, typed):
    import csv
    import io

    me = InsuredPersonFactory(region=cq, insurance_type="employee", user=user, name=typed)
    hospital = FacilityFactory(region=cq, tier=2, name=typed)
    bill = settle(me, hospital, [("A100", 1, "300.00")], day=datetime.date(2026, 5, 2))
    response = user_client.get(reverse("claims:summary_csv", args=[me.pk, 2026]))
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][1] == "'" + typed  # the name
    bill_row = next(row for row in rows if row and row[0] == bill.reference)
    assert bill_row[3] == "'" + typed  # the facility
    # Numbers stay numbers: employee tier 2, deductible 200, 70 % of 100 = 70.00.
    assert bill_row[4:6] == ["300.00", "70.00"]
    assert not any(cell.startswith(("=", "+", "-", "@", "\t")) for row in rows for cell in row)
