"""Bulk proxy activation (W2): administrators open wallets for many insured people
from a CSV or .xlsx file, checked first (a dry run), then run as a Celery job in
chunks, with progress and a per-row report. See issue 6.

reading.py     the file: format and encoding detection, headers, streamed rows
validation.py  per-row checks against accounts, set-based per chunk
reasons.py     the numbered, translatable reason codes of the per-row report
models.py      Batch and BatchRow (imported by wallet/models.py)
services/      checking.py (upload, the dry run), running.py (confirm, cancel, resume, the
               job, which opens wallets through wallet.services.wallet_open_bulk)
selectors.py   progress, problems and the rows of the report
export.py      the report (CSV, .xlsx) and the template files
tasks.py       the Celery jobs (load an id, call a service)
admin.py       the admin pages (permission wallet.bulk_proxy_activate)
"""
