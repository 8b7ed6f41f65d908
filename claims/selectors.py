"""Reads for claims (RULES.md F, C, T)."""


def family_cards(*, persons: list) -> dict[int, object]:
    """What the family page shows for each person's bills, keyed by person id.

    A constant number of queries however many persons (the family page asserts it).
    Filled in by the claims issue; templates/claims/_family_card.html renders it.
    """
    return {}
