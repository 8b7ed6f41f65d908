"""The roof's one hand-written statement (core/sql.py): /healthz asks the
database for the simplest answer there is."""

from core.sql import statement

HEALTH = statement("portal", "health", "SELECT 1")

GROWING = ()
