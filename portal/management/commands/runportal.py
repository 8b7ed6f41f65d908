"""Run the whole portal on one machine: web server, Celery worker and beat.

`make run` calls this after installing. It migrates, loads the demo data, then
starts the three processes and stops them all on Ctrl-C (or when one exits).
"""

import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from kombu.utils.url import maybe_sanitize_url

from accounts.demo import UNCLAIMED_ID
from portal.demo import DEMO_LOGINS


class Command(BaseCommand):
    help = "Migrate, load demo data and run web + Celery worker + beat (Ctrl-C stops all)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--addr", default="127.0.0.1:8000", help="address:port to serve on")
        parser.add_argument("--no-demo", action="store_true", help="do not load the demo data")
        parser.add_argument(
            "--server",
            choices=["runserver", "gunicorn"],
            default="runserver",
            help="web server: Django's development server (default) or gunicorn",
        )

    def handle(self, *args, addr: str, no_demo: bool, server: str, **options) -> None:
        settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
        call_command("migrate", interactive=False, verbosity=0)
        if not no_demo:
            call_command("seed_demo")
        python = sys.executable
        commands = {
            "web": (
                [python, "manage.py", "runserver", addr, "--noreload"]
                if server == "runserver"
                else [python, "-m", "gunicorn", "portal.wsgi", "--bind", addr, "--workers", "3"]
            ),
            "worker": [
                python,
                "-m",
                "celery",
                "-A",
                "portal",
                "worker",
                "--loglevel=INFO",
                "--pool=threads",
                "--concurrency=2",
            ],
            "beat": [
                python,
                "-m",
                "celery",
                "-A",
                "portal",
                "beat",
                "--loglevel=INFO",
                "--schedule",
                settings.CELERY_BEAT_SCHEDULE_FILENAME,
            ],
        }
        stopping = []

        def stop(signum, frame) -> None:
            stopping.append(signum)

        # Ctrl-C (SIGINT) or a process manager's SIGTERM stops everything, even
        # when the shell that started us ignores SIGINT for background jobs.
        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        procs = {
            name: subprocess.Popen(cmd, cwd=settings.BASE_DIR) for name, cmd in commands.items()
        }
        self.stdout.write(self.style.SUCCESS(f"\nThe portal is running at http://{addr}/"))
        if not no_demo:
            for username, password, what in DEMO_LOGINS:
                self.stdout.write(f"  log in as {username} / {password}  ({what})")
            self.stdout.write(f"  or sign up as 赵丽, ID number {UNCLAIMED_ID} (unclaimed record);")
            self.stdout.write(
                f"    the texted code is in the admin's SMS outbox: http://{addr}/admin/"
                "accounts/outboundmessage/ (log in as admin)"
            )
        self.stdout.write(
            f"  broker: {maybe_sanitize_url(settings.CELERY_BROKER_URL)}  database: "
            f"{settings.DATABASES['default']['NAME']}"
        )
        self.stdout.write("Press Ctrl-C to stop the web server, the worker and beat.\n")
        gone: list[str] = []
        try:
            while not stopping and all(p.poll() is None for p in procs.values()):
                time.sleep(0.2)
            if stopping:
                self.stdout.write("\nStopping…")
            else:
                gone = [name for name, p in procs.items() if p.poll() is not None]
                self.stderr.write(f"{', '.join(gone)} stopped; stopping the rest.")
        finally:
            for p in procs.values():
                if p.poll() is None:
                    p.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + 10
            for p in procs.values():
                try:
                    p.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
        if gone:
            # A process that died on its own is a failure, whatever its exit code:
            # the caller (make, a process manager) must see it.
            raise CommandError(f"{', '.join(gone)} exited unexpectedly.")
