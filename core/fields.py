"""Model field helpers shared by every app's models (with core.money.money_field)."""

from functools import lru_cache

from django.conf import settings
from django.db import models
from django.utils import translation
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable

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


class ChoiceLabels:
    """A model mixin (before models.Model): ``get_FOO_display()`` reads a label
    table made once per field and language. Django's hashes every choice's lazy
    label on every call, translating each: a family card calls it several times
    and it was a tenth of the family page's drawing (bench/pages.py). The labels
    are fixed for a process (like the translations), so the table never goes
    stale."""

    def _get_FIELD_display(self, field):
        value = getattr(self, field.attname)
        try:
            return _choice_labels(field, translation.get_language()).get(
                make_hashable(value), force_str(value, strings_only=True)
            )
        except TypeError:  # an unhashable value: Django's way
            return super()._get_FIELD_display(field)


@lru_cache(maxsize=1024)
def _choice_labels(field, language) -> dict:
    with translation.override(language):
        return {
            make_hashable(value): force_str(label, strings_only=True)
            for value, label in field.flatchoices
        }
