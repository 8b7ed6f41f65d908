"""Admin search by the masked ID suffix (A1): never the full ID number."""

import re

from accounts import national_id

_SUFFIX = re.compile(r"^\d{3}[\dX]$")
_MASKED = re.compile(r"^(\d{4})\*+(\d{3}[\dX])$")


def national_id_lookup(term: str, prefix: str = "") -> dict | None:
    """Filter kwargs for an ID search term: the last 4 characters or a masked ID
    as shown on pages (4401**********1234). Full ID numbers are not searched on
    purpose: a search is a GET, and the number would land in URLs and logs (A1)."""
    term = national_id.normalize(term)
    field = f"{prefix}national_id"
    if _SUFFIX.match(term):
        return {f"{field}__endswith": term}
    masked = _MASKED.match(term)
    if masked:
        return {f"{field}__startswith": masked[1], f"{field}__endswith": masked[2]}
    return None


class PersonSearchMixin:
    """Admin search by name, phone and masked ID suffix of the person at `person_path`."""

    person_path = "person__"

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        lookup = national_id_lookup(search_term, self.person_path)
        if lookup is not None:
            results = results | queryset.filter(**lookup)
        return results, may_have_duplicates
