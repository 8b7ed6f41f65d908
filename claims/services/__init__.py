"""Writes for claims (RULES.md C, F, T): keyword-only, atomic, audited."""
