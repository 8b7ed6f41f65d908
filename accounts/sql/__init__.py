"""The people app's hand-written SQL (core/sql.py says how and when): the family
page's reads, the message centre's write, and the fragments other apps' statements
embed to read people (core.sql.fragment)."""

from django.contrib.auth import get_user_model

from accounts.models import (
    DependentBinding,
    DesignatedFacilityChoice,
    InboxMessage,
    InsuredPerson,
    NonLocalRegistration,
    OutboundMessage,
    Relationship,
)

# Tables that grow with the region's population (core.sql's scan check): a
# statement a family's page, a transfer or a settlement runs reads them by index.
GROWING = (
    InsuredPerson,
    Relationship,
    DependentBinding,
    DesignatedFacilityChoice,
    NonLocalRegistration,
    InboxMessage,
    OutboundMessage,
    get_user_model(),
)
