"""gunicorn's settings, read from the working directory (the Procfile's, the
systemd unit's). The command lines carry the rest (bind, workers)."""

# Access log lines (when --access-logfile is given) without link tokens.
logger_class = "core.gunicorn.RedactingLogger"
