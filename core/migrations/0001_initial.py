"""The audit trail (from accounts) and the heartbeats (from portal) move to core.

Only Django's idea of the models moves: the tables keep their names
(accounts_auditevent with its append-only trigger, portal_heartbeat) and no row
is touched. The content types are renamed, so permissions given on them stay.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import core.actions

MOVED = [("accounts", "auditevent"), ("portal", "heartbeat")]


def rename_content_types(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for old_app, model in MOVED:
        if not ContentType.objects.filter(app_label="core", model=model).exists():
            ContentType.objects.filter(app_label=old_app, model=model).update(app_label="core")


def restore_content_types(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for old_app, model in MOVED:
        if not ContentType.objects.filter(app_label=old_app, model=model).exists():
            ContentType.objects.filter(app_label="core", model=model).update(app_label=old_app)


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("accounts", "0004_audit_append_only"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("portal", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="AuditEvent",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("at", models.DateTimeField(auto_now_add=True, db_index=True, verbose_name="when")),
                        (
                            "action",
                            models.CharField(
                                choices=core.actions.choices,
                                db_index=True,
                                max_length=60,
                                verbose_name="action",
                            ),
                        ),
                        ("target", models.CharField(blank=True, max_length=100, verbose_name="object")),
                        ("details", models.JSONField(blank=True, default=dict, verbose_name="details")),
                        (
                            "actor_label",
                            models.CharField(blank=True, max_length=150, verbose_name="who (as recorded)"),
                        ),
                        (
                            "person_label",
                            models.CharField(blank=True, max_length=80, verbose_name="for whom (as recorded)"),
                        ),
                        (
                            "actor",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="who",
                            ),
                        ),
                        (
                            "person",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUDIT_PERSON_MODEL,
                                verbose_name="for whom",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "audit event",
                        "verbose_name_plural": "audit events",
                        "db_table": "accounts_auditevent",
                        "ordering": ["-at", "-pk"],
                    },
                ),
                migrations.CreateModel(
                    name="Heartbeat",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("name", models.CharField(max_length=100, unique=True, verbose_name="name")),
                        ("last_seen", models.DateTimeField(verbose_name="last seen")),
                        ("runs", models.PositiveBigIntegerField(default=0, verbose_name="runs")),
                    ],
                    options={
                        "verbose_name": "heartbeat",
                        "verbose_name_plural": "heartbeats",
                        "db_table": "portal_heartbeat",
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(rename_content_types, restore_content_types),
    ]
