"""deploy/'s files for more than one machine: the load balancer's
configuration is one HAProxy accepts, and it retries only where the portal
makes that safe. (`make test-topology` runs them all for real.)"""

import os
import shutil
import subprocess

import pytest

from tests.processes import BASE_DIR

DEPLOY = BASE_DIR / "deploy"


@pytest.mark.skipif(not shutil.which("haproxy"), reason="HAProxy is not installed")
def test_haproxy_accepts_the_load_balancer_configuration():
    env = {
        **os.environ,
        "PORTAL_LB_BIND": "127.0.0.1:18000",
        "PORTAL_WEB1": "10.0.1.11:8000",
        "PORTAL_WEB2": "10.0.1.12:8000",
        "PORTAL_HEALTH_HOST": "portal.example.cn",
    }
    checked = subprocess.run(
        ["haproxy", "-c", "-f", str(DEPLOY / "haproxy.cfg")],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_balancer_checks_health_and_never_retries_a_server_error():
    text = (DEPLOY / "haproxy.cfg").read_text()
    assert "uri /healthz" in text and "http-check expect status 200" in text
    retry_on = next(line for line in text.splitlines() if line.strip().startswith("retry-on"))
    # A 500 may have done something: only refused or unanswered requests go again.
    assert "conn-failure" in retry_on and "500" not in retry_on and "all-retryable" not in retry_on


def test_replica_init_says_how_to_use_it():
    usage = subprocess.run(
        ["bash", str(DEPLOY / "postgresql" / "replica-init.sh"), "--help"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert usage.returncode == 2 and "pg_basebackup" in usage.stdout
