"""GB 17167 check: the user's electricity category, each node's varieties and main flag."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("monitoring", "0002_provincial_export"),
    ]

    operations = [
        migrations.AddField(
            model_name="energyuser",
            name="electricity_category",
            field=models.CharField(
                blank=True,
                choices=[("I", "I"), ("II", "II"), ("III", "III"), ("IV", "IV"), ("V", "V")],
                help_text="electricity user category I–V (GB 17167 Table 4)",
                max_length=3,
            ),
        ),
        migrations.AddField(
            model_name="meteringnode",
            name="main",
            field=models.BooleanField(default=True),
        ),
        migrations.AddField(
            model_name="meteringnode",
            name="varieties",
            field=models.JSONField(blank=True, default=list, help_text="varieties to meter"),
        ),
    ]
