"""Bulk proxy activation (W2): administrators open wallets for many insured people
from a CSV or .xlsx file, checked first (a dry run), then run as a Celery job in
chunks, with progress and a per-row report. Its own app above wallet: it opens
wallets only through wallet.services (wallet_open, wallet_open_bulk).

reading.py     the file's columns, read by core.tabular (formats, encodings, streaming)
validation.py  per-row checks against accounts, set-based per chunk
reasons.py     the numbered, translatable reason codes of the per-row report
models.py      Batch and BatchRow (tables wallet_batch, wallet_batchrow: moved from wallet)
services/      checking.py (upload, the dry run), running.py (confirm, cancel, resume, the
               job, which opens wallets through wallet.services.wallet_open_bulk)
selectors.py   progress, problems and the rows of the report
export.py      the report (CSV, .xlsx) and the template files
jobs.py        queueing the Celery jobs by name (services never import tasks)
tasks.py       the Celery jobs (load an id, call a service)
admin.py       the admin pages (permission bulk.bulk_proxy_activate)
"""
