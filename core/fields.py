"""Model field helpers shared by every app's models (with core.money.money_field)."""

from django.conf import settings
from django.db import models


def user_field(verbose_name=None, **kwargs) -> models.ForeignKey:
    """Who did something (opened, decided, posted, entered): a portal user, NULL
    for the system and once that user is deleted (audit rows keep the name)."""
    options = {"on_delete": models.SET_NULL, "null": True, "blank": True, "related_name": "+"}
    if verbose_name is not None:
        options["verbose_name"] = verbose_name
    return models.ForeignKey(settings.AUTH_USER_MODEL, **{**options, **kwargs})
