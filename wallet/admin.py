"""Money admin. Bulk proxy activation (W2, issue 6) registers its pages from
wallet/bulk/admin.py."""

from wallet.bulk import admin as bulk_admin  # noqa: F401 - registers the batch pages
