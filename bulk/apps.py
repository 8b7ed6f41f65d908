from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BulkConfig(AppConfig):
    name = "bulk"
    verbose_name = _("Bulk proxy activation")

    def ready(self) -> None:
        # The row reasons in the registry; the Celery jobs registered in every
        # process (the web's too), so bulk.jobs finds them by name and an eager
        # run (task_always_eager) runs them in place.
        from bulk import reasons, tasks  # noqa: F401
