"""Demo data for the local run: the logins; each app adds its part in <app>/demo.py."""

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

DEMO_LOGINS = [
    # (username, password, what it is)
    (
        "demo",
        "demo-2026",
        _(
            "the demo family: employee 张伟 (Zhang Wei), Chongqing, with his father 张建国 "
            "and daughter 张小雨 as dependents"
        ),
    ),
    ("demo-mother", "demo-2026", _("李秀英 (Li Xiuying), 张伟's mother: confirms his request")),
    ("admin", "admin-2026", _("administrator: the to-do list at /admin/")),
]


def load() -> None:
    User = get_user_model()
    if not User.objects.filter(username="admin").exists():
        User.objects.create_superuser("admin", "admin@example.invalid", "admin-2026")
    if not User.objects.filter(username="demo").exists():
        User.objects.create_user("demo", "demo@example.invalid", "demo-2026")
    if not User.objects.filter(username="demo-mother").exists():
        User.objects.create_user("demo-mother", "demo-mother@example.invalid", "demo-2026")
