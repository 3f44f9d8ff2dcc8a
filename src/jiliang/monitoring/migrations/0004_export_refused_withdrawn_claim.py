"""Provincial export: refused and withdrawn states (who, when, why) and the claim of the run sending a row."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("monitoring", "0003_gb17167_fields"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="provincialexport",
            name="claimed_by",
            field=models.CharField(blank=True, help_text="the run sending it now", max_length=120),
        ),
        migrations.AddField(
            model_name="provincialexport",
            name="claimed_until",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="provincialexport",
            name="refused_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="provincialexport",
            name="withdraw_reason",
            field=models.CharField(blank=True, max_length=500),
        ),
        migrations.AddField(
            model_name="provincialexport",
            name="withdrawn_account",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="provincialexport",
            name="withdrawn_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="provincialexport",
            name="withdrawn_by",
            field=models.CharField(
                blank=True,
                help_text="account name, or cli:LOGIN@HOST for the command",
                max_length=200,
            ),
        ),
        migrations.AlterField(
            model_name="provincialexport",
            name="state",
            field=models.CharField(
                choices=[
                    ("pending", "待发送"),
                    ("sent", "已发送"),
                    ("acknowledged", "已确认"),
                    ("refused", "被平台拒收"),
                    ("withdrawn", "已撤回"),
                ],
                default="pending",
                max_length=12,
            ),
        ),
    ]
