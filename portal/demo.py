"""Demo data for the local run: the logins; each app adds its part in <app>/demo.py."""

from django.contrib.auth import get_user_model

DEMO_LOGINS = [
    # (username, password, what it is)
    ("demo", "demo-2026", "demo family: employee 张伟 (Zhang Wei)"),
    ("admin", "admin-2026", "administrator (Django admin at /admin/)"),
]


def load() -> None:
    User = get_user_model()
    if not User.objects.filter(username="admin").exists():
        User.objects.create_superuser("admin", "admin@example.invalid", "admin-2026")
    if not User.objects.filter(username="demo").exists():
        User.objects.create_user("demo", "demo@example.invalid", "demo-2026")
