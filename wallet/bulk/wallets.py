"""What bulk activation needs from the wallet models (issue 4), in one place."""

from wallet.models import Wallet


def open_person_ids(person_ids: set[int]) -> set[int]:
    """The persons among `person_ids` whose wallet is already open (one query)."""
    return set(
        Wallet.objects.filter(person_id__in=person_ids, status=Wallet.Status.OPEN).values_list(
            "person_id", flat=True
        )
    )
