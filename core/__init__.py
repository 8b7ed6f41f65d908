"""The ground floor: code every app may use that is not a domain — money, the
reason registry, tabular reading and export, normalisers, audit, admin bases,
database helpers. Nothing here imports an app (import-linter checks it)."""
