"""What bulk activation needs from the wallet models (issue 4), in one place."""


def open_person_ids(person_ids: set[int]) -> set[int]:
    """The persons among `person_ids` whose wallet is already open (one query).

    Until the wallet models land (issue 4) no wallet is open.
    """
    return set()
