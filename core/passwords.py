"""Django's password rules with the portal's own wording: Django's Chinese
catalogue misses the plural "too short" message (it showed in English) and
addresses the reader as 你 where the portal says 您. Same checks, our words,
translated in the portal's catalogue."""

from django.contrib.auth import password_validation as django_rules
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


class MinimumLengthValidator(django_rules.MinimumLengthValidator):
    def get_error_message(self):
        return ngettext(
            "This password is too short: it needs at least %(min_length)d character.",
            "This password is too short: it needs at least %(min_length)d characters.",
            self.min_length,
        )

    def get_help_text(self):
        return ngettext(
            "At least %(min_length)d character.",
            "At least %(min_length)d characters.",
            self.min_length,
        ) % {"min_length": self.min_length}


class UserAttributeSimilarityValidator(django_rules.UserAttributeSimilarityValidator):
    def get_error_message(self):
        return _("This password is too much like your %(verbose_name)s.")

    def get_help_text(self):
        return _("Not like your username or other details.")


class CommonPasswordValidator(django_rules.CommonPasswordValidator):
    def get_error_message(self):
        return _("This password is one of the most common ones: choose another.")

    def get_help_text(self):
        return _("Not a commonly used password.")


class NumericPasswordValidator(django_rules.NumericPasswordValidator):
    def get_error_message(self):
        return _("This password is only digits: add letters or symbols.")

    def get_help_text(self):
        return _("Not only digits.")
