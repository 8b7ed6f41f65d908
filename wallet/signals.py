"""P1: a pooling binding ends by itself when the employee's insurance status
changes.

Why a signal here (HackSoft prefers explicit service calls): a person's status is
changed by the people app (its admin and services), and apps depend one way —
accounts knows nothing about wallet — so wallet listens to the InsuredPerson save.
A status changed with a bare queryset ``update()`` skips the signal; payments check
every binding again at use time (pooling_check), so such a binding still pays
nothing.
"""

from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

from accounts.models import InsuredPerson

WATCHED = ("status", "insurance_type")


@receiver(pre_save, sender=InsuredPerson, dispatch_uid="wallet_pooling_remember_status")
def remember_status(sender, instance: InsuredPerson, raw=False, update_fields=None, **kwargs):
    instance._wallet_old_status = None
    if raw or instance.pk is None:
        return
    if update_fields is not None and not set(update_fields) & set(WATCHED):
        return
    instance._wallet_old_status = (
        InsuredPerson.objects.filter(pk=instance.pk).values_list(*WATCHED).first()
    )


@receiver(post_save, sender=InsuredPerson, dispatch_uid="wallet_pooling_end_on_status_change")
def end_pooling_on_status_change(sender, instance: InsuredPerson, raw=False, **kwargs):
    old = getattr(instance, "_wallet_old_status", None)
    if raw or old is None:
        return
    if old != tuple(getattr(instance, field) for field in WATCHED):
        from wallet.services.pooling import pooling_end_for_employee

        pooling_end_for_employee(employee=instance, acting_user=None)
