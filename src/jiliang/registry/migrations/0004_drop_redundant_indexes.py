"""Drop single-column indexes that a composite index already leads with.

Each index is written on every inserted row, and imports write 10^5 rows at a time. Covered:
instrument.owner_id (unique owner+serial, owner+due date), instrument.division_code
(division+due date), certificate.instrument_id and issuer_id (their +calibration date
indexes), and both link columns (the unique pair, link_standard_certificate).

The state changes are the fields' db_index=False; the database change drops the indexes by
introspection instead of AlterField, which on SQLite would copy each table (2x10^6 rows).
"""

import django.db.models.deletion
from django.db import migrations, models

import jiliang.registry.models

COVERED = [
    ("registry_instrument", "owner_id"),
    ("registry_instrument", "division_code"),
    ("registry_certificate", "instrument_id"),
    ("registry_certificate", "issuer_id"),
    ("registry_certificate_standards_used", "certificate_id"),
    ("registry_certificate_standards_used", "measurementstandard_id"),
]


def drop_single_column_indexes(apps, schema_editor):  # type: ignore[no-untyped-def]
    connection = schema_editor.connection
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table, column in COVERED:
            found = connection.introspection.get_constraints(cursor, table)
            for name, info in found.items():
                if (
                    info["columns"] == [column]
                    and info["index"]
                    and not info["unique"]
                    and not info["primary_key"]
                ):
                    schema_editor.execute(f"DROP INDEX IF EXISTS {quote(name)}")


def recreate_single_column_indexes(apps, schema_editor):  # type: ignore[no-untyped-def]
    quote = schema_editor.connection.ops.quote_name
    for table, column in COVERED:
        name = f"{table}_{column}_single"[:63]
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {quote(name)} ON {quote(table)} ({quote(column)})"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0003_certificate_standard_link"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunPython(drop_single_column_indexes, recreate_single_column_indexes)
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="certificate",
                    name="instrument",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="certificates",
                        to="registry.instrument",
                    ),
                ),
                migrations.AlterField(
                    model_name="certificate",
                    name="issuer",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="issued",
                        to="registry.institution",
                    ),
                ),
                migrations.AlterField(
                    model_name="certificatestandard",
                    name="certificate",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        to="registry.certificate",
                    ),
                ),
                migrations.AlterField(
                    model_name="certificatestandard",
                    name="measurementstandard",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        to="registry.measurementstandard",
                    ),
                ),
                migrations.AlterField(
                    model_name="instrument",
                    name="division_code",
                    field=models.CharField(
                        max_length=6, validators=[jiliang.registry.models.validate_division]
                    ),
                ),
                migrations.AlterField(
                    model_name="instrument",
                    name="owner",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="instruments",
                        to="registry.institution",
                    ),
                ),
            ],
        ),
    ]
