"""Reads for money (RULES.md W, P)."""


def family_cards(*, persons: list) -> dict[int, object]:
    """What the family page shows for each person's money, keyed by person id.

    A constant number of queries however many persons (the family page asserts it).
    Filled in by the money issue; templates/wallet/_family_card.html renders it.
    """
    return {}
