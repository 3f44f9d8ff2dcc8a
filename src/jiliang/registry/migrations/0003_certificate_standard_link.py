"""The certificate–standard link becomes a model that carries the certificate's instrument.

State: the auto-created table registry_certificate_standards_used is adopted as
CertificateStandard (same table, columns and unique index). Database: a NOT NULL instrument_id
column, filled from each link's certificate, and covering indexes for trace down.
"""

from django.db import migrations, models


def fill_instrument(apps, schema_editor):  # type: ignore[no-untyped-def]
    """Copy each link's certificate's instrument (set-based: 10^6 links in seconds)."""
    link = apps.get_model("registry", "CertificateStandard")._meta.db_table
    cert = apps.get_model("registry", "Certificate")._meta.db_table
    quote = schema_editor.connection.ops.quote_name
    schema_editor.execute(
        f"UPDATE {quote(link)} SET instrument_id = (SELECT c.instrument_id FROM {quote(cert)} c"
        f" WHERE c.id = {quote(link)}.certificate_id)"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0002_due_date_and_trace_indexes"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="CertificateStandard",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "certificate",
                            models.ForeignKey(
                                on_delete=models.deletion.CASCADE, to="registry.certificate"
                            ),
                        ),
                        (
                            "measurementstandard",
                            models.ForeignKey(
                                on_delete=models.deletion.CASCADE,
                                to="registry.measurementstandard",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "registry_certificate_standards_used",
                        "unique_together": {("certificate", "measurementstandard")},
                    },
                ),
                migrations.AlterField(
                    model_name="certificate",
                    name="standards_used",
                    field=models.ManyToManyField(
                        blank=True,
                        related_name="certificates_issued_with",
                        through="registry.CertificateStandard",
                        to="registry.measurementstandard",
                    ),
                ),
            ],
        ),
        migrations.AddField(
            model_name="certificatestandard",
            name="instrument",
            field=models.ForeignKey(
                db_index=False,
                null=True,
                on_delete=models.deletion.DO_NOTHING,
                related_name="+",
                to="registry.instrument",
            ),
        ),
        migrations.RunPython(fill_instrument, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="certificatestandard",
            name="instrument",
            field=models.ForeignKey(
                db_index=False,
                on_delete=models.deletion.DO_NOTHING,
                related_name="+",
                to="registry.instrument",
            ),
        ),
        migrations.RunSQL(
            "DROP INDEX IF EXISTS registry_cert_std_by_standard",
            "CREATE INDEX IF NOT EXISTS registry_cert_std_by_standard ON "
            "registry_certificate_standards_used (measurementstandard_id, certificate_id)",
        ),
        migrations.AddIndex(
            model_name="certificatestandard",
            index=models.Index(
                fields=["measurementstandard", "certificate", "instrument"],
                name="link_standard_certificate",
            ),
        ),
        migrations.AddIndex(
            model_name="certificatestandard",
            index=models.Index(
                fields=["measurementstandard", "instrument"], name="link_standard_instrument"
            ),
        ),
    ]
