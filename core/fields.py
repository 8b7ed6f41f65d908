"""Model field helpers shared by every app's models (with core.money.money_field)."""

from django.conf import settings
from django.db import models

from core import clock


def user_field(verbose_name=None, **kwargs) -> models.ForeignKey:
    """Who did something (opened, decided, posted, entered): a portal user, NULL
    for the system and once that user is deleted (audit rows keep the name)."""
    options = {"on_delete": models.SET_NULL, "null": True, "blank": True, "related_name": "+"}
    if verbose_name is not None:
        options["verbose_name"] = verbose_name
    return models.ForeignKey(settings.AUTH_USER_MODEL, **{**options, **kwargs})


class ClockDateTimeField(models.DateTimeField):
    """``auto_now`` / ``auto_now_add`` on the portal's clock (core/clock.py), so a
    record made under a test clock is dated in the portal's time like the rest."""

    def pre_save(self, model_instance, add):
        if self.auto_now or (self.auto_now_add and add):
            value = clock.now()
            setattr(model_instance, self.attname, value)
            return value
        return super().pre_save(model_instance, add)
