"""Bulk proxy activation becomes its own app: Batch and BatchRow move here from
wallet (wallet 0006 forgets them). Only Django's idea of the models moves: the
tables keep their names (wallet_batch, wallet_batchrow), no row is touched, and
the content types are renamed so the permission bulk_proxy_activate given to
staff stays theirs (now bulk.bulk_proxy_activate)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

MOVED = ("batch", "batchrow")


def rename_content_types(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MOVED:
        if not ContentType.objects.filter(app_label="bulk", model=model).exists():
            ContentType.objects.filter(app_label="wallet", model=model).update(app_label="bulk")


def restore_content_types(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MOVED:
        if not ContentType.objects.filter(app_label="wallet", model=model).exists():
            ContentType.objects.filter(app_label="bulk", model=model).update(app_label="wallet")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("accounts", "0005_auditevent_moves_to_core"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("wallet", "0005_ledger_entry_account_check"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Batch',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('file', models.FileField(upload_to='bulk/%Y/%m/', verbose_name='file')),
                        ('original_name', models.CharField(max_length=255, verbose_name='file name')),
                        ('size', models.PositiveBigIntegerField(default=0, verbose_name='size (bytes)')),
                        ('sha256', models.CharField(db_index=True, editable=False, max_length=64)),
                        ('status', models.CharField(choices=[('checking', 'checking the file'), ('rejected', 'file refused'), ('checked', 'checked: waiting for confirmation'), ('cancelled', 'cancelled'), ('queued', 'waiting for the worker'), ('running', 'opening wallets'), ('done', 'done')], default='checking', max_length=10, verbose_name='status')),
                        ('problem', models.JSONField(blank=True, default=dict, verbose_name='problem')),
                        ('notes', models.JSONField(blank=True, default=list, verbose_name='notes')),
                        ('rows_total', models.PositiveIntegerField(default=0, verbose_name='rows')),
                        ('rows_checked', models.PositiveIntegerField(default=0, verbose_name='rows checked')),
                        ('n_ready', models.PositiveIntegerField(default=0, verbose_name='ready')),
                        ('n_activated', models.PositiveIntegerField(default=0, verbose_name='opened')),
                        ('n_already_open', models.PositiveIntegerField(default=0, verbose_name='already open')),
                        ('n_duplicate', models.PositiveIntegerField(default=0, verbose_name='duplicates')),
                        ('n_invalid', models.PositiveIntegerField(default=0, verbose_name='problems')),
                        ('n_failed', models.PositiveIntegerField(default=0, verbose_name='failed')),
                        ('ready_at_start', models.PositiveIntegerField(default=0, editable=False)),
                        ('run_token', models.CharField(blank=True, editable=False, max_length=32)),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='uploaded')),
                        ('checked_at', models.DateTimeField(blank=True, null=True, verbose_name='checked')),
                        ('confirmed_at', models.DateTimeField(blank=True, null=True, verbose_name='confirmed')),
                        ('started_at', models.DateTimeField(blank=True, null=True, verbose_name='started')),
                        ('finished_at', models.DateTimeField(blank=True, null=True, verbose_name='finished')),
                        ('heartbeat_at', models.DateTimeField(blank=True, null=True, verbose_name='last progress')),
                        ('confirmed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='confirmed by')),
                        ('uploaded_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='uploaded by')),
                    ],
                    options={
                        'verbose_name': 'bulk proxy activation',
                        'verbose_name_plural': 'bulk proxy activations',
                        'db_table': 'wallet_batch',
                        'ordering': ['-created_at', '-pk'],
                        'permissions': [('bulk_proxy_activate', 'Can open wallets in bulk by proxy (W2)')],
                        'default_permissions': (),
                    },
                ),
                migrations.CreateModel(
                    name='BatchRow',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('line', models.PositiveIntegerField(verbose_name='row')),
                        ('national_id', models.CharField(blank=True, max_length=32, verbose_name='national ID number')),
                        ('name', models.CharField(blank=True, max_length=50, verbose_name='name')),
                        ('usage_location', models.CharField(blank=True, max_length=60, verbose_name='usage location')),
                        ('phone', models.CharField(blank=True, max_length=20, verbose_name='phone')),
                        ('note', models.CharField(blank=True, max_length=200, verbose_name='note')),
                        ('outcome', models.CharField(choices=[('ready', 'ready to open'), ('activated', 'opened'), ('already_open', 'skipped: already open'), ('duplicate', 'skipped: duplicate row'), ('invalid', 'not opened: problem in the row'), ('failed', 'not opened: failed')], max_length=12, verbose_name='outcome')),
                        ('reason', models.CharField(blank=True, max_length=3, verbose_name='reason')),
                        ('reason_arg', models.CharField(blank=True, max_length=60)),
                        ('batch', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='rows', to='bulk.batch')),
                        ('person', models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='accounts.insuredperson')),
                        ('region', models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='accounts.region')),
                    ],
                    options={
                        'verbose_name': 'bulk activation row',
                        'verbose_name_plural': 'bulk activation rows',
                        'db_table': 'wallet_batchrow',
                        'ordering': ['batch', 'line'],
                        'default_permissions': (),
                        'indexes': [models.Index(fields=['batch', 'outcome', 'line'], name='bulk_row_outcome'), models.Index(fields=['batch', 'national_id'], name='bulk_row_national_id')],
                        'constraints': [models.UniqueConstraint(fields=('batch', 'line'), name='bulk_row_once_per_line')],
                    },
                ),
    
            ],
            database_operations=[],
        ),
        migrations.RunPython(rename_content_types, restore_content_types),
    ]
