"""Family page cost by family size (A3: a constant number of queries per page).

Renders `/` for a user with 1 dependent (the reference) and with 5 dependents,
each with a designated-facility history and a registration, and prints the
median time per page, the queries per page and the ratio 5 / 1.
Target: the same number of queries, and a time ratio well under the ratio of
cards (6 / 2 = 3): the cost per card is rendering, not database round trips.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench_accounts \\
        .venv/bin/python bench/accounts_family_page.py
"""

import datetime
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
os.environ.setdefault("HTTPS_ONLY", "0")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts import models as people  # noqa: E402
from accounts import national_id  # noqa: E402

ROUNDS = 60
PLAIN_STATIC = "django.contrib.staticfiles.storage.StaticFilesStorage"


def family(username: str, dependents: int, offset: int):
    from django.contrib.auth import get_user_model

    User = get_user_model()
    User.objects.filter(username=username).delete()
    user = User.objects.create_user(username)  # force_login: no password needed
    chongqing, chengdu = (
        people.Region.objects.get(code="500100"),
        people.Region.objects.get(code="510100"),
    )
    facility, _ = people.Facility.objects.get_or_create(
        code="BENCH1",
        defaults={"name": "基准社区卫生服务中心", "region": chongqing, "kind": "hospital",
                  "tier": 1, "designated_outpatient": True},
    )  # fmt: skip

    def person(i, **kw):
        nid = national_id.make("500100", datetime.date(1950, 1, 1), offset + i)
        people.InsuredPerson.objects.filter(national_id=nid).delete()
        return people.InsuredPerson.objects.create(
            name=f"基准{offset + i}", national_id=nid, insurance_type="resident",
            region=chongqing, **kw,
        )  # fmt: skip

    person(0, user=user)
    for i in range(1, dependents + 1):
        relative = person(i)
        people.DependentBinding.objects.create(user=user, person=relative, relation="sibling",
                                        status="active")  # fmt: skip
        for days in range(3):
            people.DesignatedFacilityChoice.objects.create(
                person=relative, facility=facility,
                effective_from=timezone.localdate() - datetime.timedelta(days=days),
            )  # fmt: skip
        people.NonLocalRegistration.objects.create(
            person=relative, destination=chengdu, kind="referral",
            start_date=timezone.localdate(), proof="none",
        )  # fmt: skip
    client = Client()
    client.force_login(user)
    return client


def measure(client: Client) -> tuple[float, int]:
    client.get("/")  # warm up templates and connections
    with CaptureQueriesContext(connection) as queries:
        client.get("/")
    count = len(queries)  # now: each request resets the connection's query log
    times = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        response = client.get("/")
        times.append(time.perf_counter() - start)
        assert response.status_code == 200
    return statistics.median(times) * 1000, count


def main() -> None:
    if not os.environ.get("DATABASE_URL"):
        sys.exit("Set DATABASE_URL to a database of its own (see the docstring).")
    call_command("migrate", verbosity=0)
    one = family("bench_one", 1, 0)
    five = family("bench_five", 5, 10)
    # Pages render from the source static folders (no collectstatic manifest).
    plain = {**settings.STORAGES, "staticfiles": {"BACKEND": PLAIN_STATIC}}
    with override_settings(STORAGES=plain):
        ms1, q1 = measure(one)
        ms5, q5 = measure(five)
    print(f"family page, 1 dependent (reference): {ms1:7.2f} ms median, {q1} queries")
    print(f"family page, 5 dependents:            {ms5:7.2f} ms median, {q5} queries")
    print(f"ratio 5/1: time {ms5 / ms1:.2f}x (cards 3.00x), queries {q5 / q1:.2f}x")


if __name__ == "__main__":
    main()
