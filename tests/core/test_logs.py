"""Structured logs (core/logs.py): JSON lines with the request id, which follows
a request into the Celery job it queued; no ID number, phone number or one-time
code in any log line, whatever writes it."""

import contextlib
import datetime
import json
import logging
import re
import time
import uuid

import pytest
from celery import shared_task
from celery.contrib.testing.worker import start_worker
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.urls import reverse

from accounts.models import InsuredPerson, OutboundMessage
from core import logs
from portal.celery import app
from tests.factories import InsuredPersonFactory, UserFactory, chengdu, chongqing

CST = datetime.timezone(datetime.timedelta(hours=8))


class Lines(logging.Handler):
    """Every record, formatted as production formats it (JSON, masked)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logs.JsonFormatter())
        self.addFilter(logs.ContextFilter())
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))

    def parsed(self) -> list[dict]:
        return [json.loads(line) for line in self.lines]


@contextlib.contextmanager
def captured(level=logging.DEBUG):
    handler, root = Lines(), logging.getLogger()
    sql = logging.getLogger("django.db.backends")  # WARNING in LOGGING
    old = root.level, sql.level
    root.addHandler(handler)
    root.setLevel(level)
    sql.setLevel(level)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(old[0])
        sql.setLevel(old[1])


def test_masking_keeps_the_shapes_and_hides_the_digits():
    line = (
        "id 500100199211232149 and 11010519491231002X, phone 13900000001, 验证码 731946, "
        "code is 731946; not an id: 12345678901234567890, batch 731946, region 500100, "
        "VALUES ('731946', 2)"
    )
    assert logs.redact(line) == (
        "id 5001**********2149 and 1101**********002X, phone 139****0001, 验证码 ******, "
        "code is ******; not an id: 12345678901234567890, batch 731946, region 500100, "
        "VALUES ('******', 2)"
    )


@pytest.mark.django_db
def test_each_request_has_an_id_on_its_log_lines_and_in_the_response(settings, client):
    settings.DEBUG = False
    with captured(logging.INFO) as log:
        response = client.get(reverse("healthz"), HTTP_X_REQUEST_ID="lb-4f2a9c11-77")
        other = client.get(reverse("healthz"), HTTP_X_REQUEST_ID="bad id!")
    assert response["X-Request-ID"] == "lb-4f2a9c11-77"  # the proxy's id is kept
    assert re.fullmatch(r"[0-9a-f]{32}", other["X-Request-ID"])  # a malformed one is not
    access = [line for line in log.parsed() if line["logger"] == "portal.request"]
    assert [line["request_id"] for line in access] == ["lb-4f2a9c11-77", other["X-Request-ID"]]
    assert access[0]["message"].startswith("GET /healthz 200 ")
    assert logs.request_id.get() == ""  # nothing leaks into what this thread does next


@shared_task(acks_late=True, reject_on_worker_lost=True)
def say_where_i_come_from() -> None:
    logging.getLogger("tests.core").warning("the job runs")


@pytest.mark.django_db(transaction=True)
def test_the_request_id_reaches_the_celery_job_it_queued():
    queue = f"test-{uuid.uuid4().hex}"  # a private queue: parallel runs don't interfere
    # The worker's start configures logging afresh: listen from then on.
    with (
        start_worker(app, pool="threads", concurrency=1, perform_ping_check=False, queues=[queue]),
        captured(logging.INFO) as log,
    ):
        token = logs.request_id.set("req-0123456789abcdef")
        try:
            say_where_i_come_from.apply_async(queue=queue)
        finally:
            logs.request_id.reset(token)
        deadline = time.monotonic() + 20
        while not any("the job runs" in line for line in log.lines):
            assert time.monotonic() < deadline, log.lines
            time.sleep(0.1)  # polling the worker, not waiting on a clock rule
    line = next(p for p in log.parsed() if p["message"] == "the job runs")
    assert line["request_id"] == "req-0123456789abcdef"
    assert line["task"] == "tests.core.test_logs.say_where_i_come_from" and line["task_id"]


@pytest.mark.django_db
def test_no_id_number_phone_or_code_in_any_log_line(settings, monkeypatch, time_machine):
    """Sign-up with the code texted to the record's phone, adding a relative (a
    second code) and confirming it with a wrong and the right code, a page not
    found under an ID number, an admin search by ID number and a database error
    naming a duplicate ID — with every SQL statement and its parameters logged
    (DEBUG) — and not one line shows a full ID number, a phone number or a code."""
    settings.DEBUG = False
    time_machine.move_to(datetime.datetime(2026, 3, 2, 10, 0, tzinfo=CST), tick=False)
    monkeypatch.setattr("accounts.services.codes.secrets.randbelow", lambda n: 731946)
    zhao = InsuredPersonFactory(name="赵丽", region=chongqing(), phone="13912345678")
    father = InsuredPersonFactory(
        name="赵国强", region=chengdu(), phone="13587654321", born=datetime.date(1958, 5, 1)
    )
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    client, staff = Client(), Client()
    staff.force_login(admin)

    connection.force_debug_cursor = True  # every query and its parameters, logged
    try:
        with captured() as log:
            client.post(reverse("signup"), {"name": "赵丽", "national_id": zhao.national_id})
            client.post(
                reverse("signup_code"),
                {
                    "code": "731946",
                    "username": "zhaoli",
                    "password1": "Long-pass-2026!",
                    "password2": "Long-pass-2026!",
                },
            )
            zhao.refresh_from_db()
            assert zhao.user is not None  # signed up
            time_machine.shift(datetime.timedelta(minutes=5))  # past the SMS interval
            client.post(
                reverse("accounts:dependent_add"),
                {"national_id": father.national_id, "name": "赵国强", "relation": "parent"},
            )
            binding = zhao.user.dependent_bindings.get()
            code_url = reverse("accounts:binding_code", args=[binding.pk])
            client.post(code_url, {"code": "000001"})
            client.post(code_url, {"code": "731946"})
            client.get(f"/family/{father.national_id}/")
            staff.get(reverse("admin:accounts_insuredperson_changelist"), {"q": zhao.national_id})
            try:
                with transaction.atomic():
                    InsuredPerson.objects.create(
                        name="重复", region=zhao.region, national_id=zhao.national_id
                    )
            except IntegrityError:
                logging.getLogger("tests.core").exception("could not store a person")
    finally:
        connection.force_debug_cursor = False

    assert OutboundMessage.objects.filter(person=father).exists()  # a code was really sent
    binding.refresh_from_db()
    assert binding.status == "active"  # and really used
    text = "\n".join(log.lines)
    assert "Not Found: /family/" in text and "could not store a person" in text
    assert "INSERT INTO" in text  # the SQL and its parameters were logged
    assert "**********" in text and "135****4321" in text  # masked forms were logged
    secrets = [*InsuredPerson.objects.values_list("national_id", flat=True), "731946"]
    secrets += ["13912345678", "13587654321"]
    leaked = [s for s in secrets if s in text]
    assert not leaked, [
        line[max(0, line.find(leaked[0]) - 300) : line.find(leaked[0]) + 100]
        for line in log.lines
        if leaked[0] in line
    ][:3]
