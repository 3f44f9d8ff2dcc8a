"""The public certificate check (docs/check.md) finds an uploaded PDF or DCC by its SHA-256:
an index, so that lookup is one index probe instead of a scan of every issued document."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("calibration", "0002_decision_and_signature"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="issueddocument",
            index=models.Index(fields=["sha256"], name="calibration_doc_sha256"),
        ),
    ]
