"""What people leave on the administrators' to-do list: child bindings waiting
for their document to be reviewed (A3) and logins locked out now (A1)."""

from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import PendingChildBinding
from accounts.selectors import locked_logins
from core import todo


@todo.register
def child_documents(user) -> todo.Item | None:
    """A3: a relative aged 16 or under is bound once staff have seen the document."""
    if not user.has_perm("accounts.view_dependentbinding"):
        return None
    return todo.Item(
        label=_("Child bindings waiting for their document to be reviewed"),
        count=PendingChildBinding.objects.count(),
        url=reverse("admin:accounts_pendingchildbinding_changelist"),
        rule="A3",
    )


@todo.register
def lockouts(user) -> todo.Item | None:
    """A1: logins locked after wrong passwords; staff lift one after checking who asks."""
    if not user.has_perm("axes.view_accessattempt"):
        return None
    return todo.Item(
        label=_("Logins locked out after wrong passwords"),
        count=len(locked_logins()),
        url=reverse("admin:auth_user_changelist") + "?locked=1",
        rule="A1",
    )
