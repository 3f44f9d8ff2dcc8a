"""A laboratory's certificates by month and conclusion, read from one index.

The (issuer, calibration_date) index gains the conclusion: the home chart of a city
laboratory (1.7x10^6 issued certificates, 7.6x10^5 within the year at 10^6 instruments) is
then a range of the index alone, with no table lookup per certificate for its conclusion
(docs/benchmarks/home.md). Every query that used the old index is served by its prefix.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0013_due_counts"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="certificate",
            index=models.Index(
                fields=["issuer", "calibration_date", "conclusion"],
                name="certificate_issuer_date",
            ),
        ),
        migrations.RemoveIndex(
            model_name="certificate",
            name="registry_ce_issuer__72f142_idx",
        ),
    ]
