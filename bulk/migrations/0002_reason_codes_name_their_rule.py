"""Row reasons move to the one code format of core.reasons, <rule id>-<nn>: the
column grows to five characters and stored B-codes are rewritten (B05 is W2-05;
B13 and B23, the rows W1 refuses, are W1-13 and W1-23)."""

from django.db import migrations, models

LEGACY = {
    **{f"B{n:02d}": f"W2-{n:02d}" for n in (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12)},
    **{f"B{n:02d}": f"W2-{n:02d}" for n in (20, 21, 22, 30, 40, 41, 50)},
    "B13": "W1-13",
    "B23": "W1-23",
}


def rename(apps, schema_editor, mapping):
    BatchRow = apps.get_model("bulk", "BatchRow")
    for old, new in mapping.items():
        BatchRow.objects.filter(reason=old).update(reason=new)


class Migration(migrations.Migration):
    dependencies = [("bulk", "0001_initial")]

    operations = [
        migrations.AlterField(
            model_name="batchrow",
            name="reason",
            field=models.CharField(blank=True, max_length=5, verbose_name="reason"),
        ),
        migrations.RunPython(
            lambda apps, editor: rename(apps, editor, LEGACY),
            lambda apps, editor: rename(apps, editor, {v: k for k, v in LEGACY.items()}),
        ),
    ]
