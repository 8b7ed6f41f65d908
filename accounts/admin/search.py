"""Admin search by the masked ID suffix (A1): never the full ID number.

Exact first: a term shaped like an ID suffix or a masked ID, a whole name or a
whole phone number is looked up through an index (the suffix's expression
index, the name and phone indexes) and, when that finds someone, answers
alone. Only a term that finds nobody exactly falls back to the "contains"
search, which reads every person (at a region's size, seconds)."""

import re

from django.db.models import Q
from django.db.models.functions import Right

from accounts import national_id

_SUFFIX = re.compile(r"^\d{3}[\dX]$")
_MASKED = re.compile(r"^(\d{4})\*+(\d{3}[\dX])$")
_FULL = re.compile(r"^\d{17}[\dX]$")


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


def exact_person_search(queryset, term: str, prefix: str = ""):
    """The rows whose person matches `term` exactly, through an index: the ID
    suffix (person_id_suffix_idx on the last 4 characters), a masked ID, a whole
    name, a whole phone number. None for a term with no exact form."""
    term = term.strip()
    if not term:
        return None
    nid = national_id.normalize(term)
    field = f"{prefix}national_id"
    masked = _MASKED.match(nid)
    if _SUFFIX.match(nid) or masked:
        found = queryset.alias(id_suffix=Right(field, 4))
        if masked:
            return found.filter(id_suffix=masked[2], **{f"{field}__startswith": masked[1]})
        return found.filter(id_suffix=nid)
    return queryset.filter(Q(**{f"{prefix}name": term}) | Q(**{f"{prefix}phone": term}))


class PersonSearchMixin:
    """Admin search by name, phone and masked ID suffix of the person at `person_path`."""

    person_path = "person__"

    def get_search_results(self, request, queryset, search_term):
        if _FULL.match(national_id.normalize(search_term.strip())):
            return queryset.none(), False  # A1: never a search term, answered at once
        exact = exact_person_search(queryset, search_term, self.person_path)
        if exact is not None and exact.exists():
            return exact, False
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        lookup = national_id_lookup(search_term, self.person_path)
        if lookup is not None:
            results = results | queryset.filter(**lookup)
        return results, may_have_duplicates
