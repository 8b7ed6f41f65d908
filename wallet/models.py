"""Money models (RULES.md W, P). Bulk proxy activation's batches live in
wallet/bulk/models.py and are imported here so they belong to this app."""

from wallet.bulk.models import Batch, BatchRow  # noqa: F401
