"""gunicorn's access log with the portal's redaction (gunicorn.conf.py names it).

gunicorn writes no access log unless told to (``--access-logfile``); when an
operator turns it on, its lines pass through core.logs.redact like every other
line: no token of a verify or enrolment link, no ID or phone number."""

from gunicorn.glogging import Logger

from core.logs import redact


class RedactingLogger(Logger):
    def atoms(self, resp, req, environ, request_time) -> dict:
        atoms = super().atoms(resp, req, environ, request_time)
        return {
            key: redact(value) if isinstance(value, str) else value for key, value in atoms.items()
        }
