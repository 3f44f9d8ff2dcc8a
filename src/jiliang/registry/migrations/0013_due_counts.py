"""Due-date counts per division, status and day (registry.due_count_models), filled from the
instruments and kept by triggers on the instrument table from then on (SQLite, PostgreSQL).

The SQL lives here, not in the app's modules, so that this migration stays what it was when
the code around it changes; registry.due_counts.rebuild() runs the same fill.
"""

from django.db import migrations, models

# The day as ISO text ('' for never verified), per backend: SQLite stores dates as that text.
DAY = {"sqlite": "COALESCE({row}.due_date, '')", "postgresql": "COALESCE(to_char({row}.due_date, 'YYYY-MM-DD'), '')"}

FILL = (
    "INSERT INTO registry_duedaycount (division_code, status, due, n)"
    " SELECT division_code, status, {day}, COUNT(*) FROM registry_instrument i"
    " GROUP BY division_code, status, {day}"
)

SQLITE_TRIGGERS = [
    """CREATE TRIGGER registry_due_count_insert AFTER INSERT ON registry_instrument BEGIN
        INSERT INTO registry_duedaycount (division_code, status, due, n)
        VALUES (new.division_code, new.status, COALESCE(new.due_date, ''), 1)
        ON CONFLICT (status, due, division_code) DO UPDATE SET n = n + 1;
    END""",
    """CREATE TRIGGER registry_due_count_delete AFTER DELETE ON registry_instrument BEGIN
        UPDATE registry_duedaycount SET n = n - 1 WHERE status = old.status
        AND due = COALESCE(old.due_date, '') AND division_code = old.division_code;
    END""",
    """CREATE TRIGGER registry_due_count_update
    AFTER UPDATE OF division_code, status, due_date ON registry_instrument
    WHEN old.division_code IS NOT new.division_code OR old.status IS NOT new.status
        OR old.due_date IS NOT new.due_date
    BEGIN
        UPDATE registry_duedaycount SET n = n - 1 WHERE status = old.status
        AND due = COALESCE(old.due_date, '') AND division_code = old.division_code;
        INSERT INTO registry_duedaycount (division_code, status, due, n)
        VALUES (new.division_code, new.status, COALESCE(new.due_date, ''), 1)
        ON CONFLICT (status, due, division_code) DO UPDATE SET n = n + 1;
    END""",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS registry_due_count_insert",
    "DROP TRIGGER IF EXISTS registry_due_count_delete",
    "DROP TRIGGER IF EXISTS registry_due_count_update",
]

POSTGRES_TRIGGERS = [
    """CREATE FUNCTION registry_due_count() RETURNS trigger AS $$
    BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            UPDATE registry_duedaycount SET n = n - 1 WHERE status = OLD.status
            AND due = COALESCE(to_char(OLD.due_date, 'YYYY-MM-DD'), '')
            AND division_code = OLD.division_code;
        END IF;
        IF TG_OP IN ('UPDATE', 'INSERT') THEN
            INSERT INTO registry_duedaycount (division_code, status, due, n)
            VALUES (NEW.division_code, NEW.status,
                    COALESCE(to_char(NEW.due_date, 'YYYY-MM-DD'), ''), 1)
            ON CONFLICT (status, due, division_code)
            DO UPDATE SET n = registry_duedaycount.n + 1;
        END IF;
        RETURN NULL;
    END
    $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER registry_due_count_write AFTER INSERT OR DELETE ON registry_instrument
    FOR EACH ROW EXECUTE FUNCTION registry_due_count()""",
    """CREATE TRIGGER registry_due_count_update
    AFTER UPDATE OF division_code, status, due_date ON registry_instrument FOR EACH ROW
    WHEN (OLD.division_code IS DISTINCT FROM NEW.division_code
          OR OLD.status IS DISTINCT FROM NEW.status
          OR OLD.due_date IS DISTINCT FROM NEW.due_date)
    EXECUTE FUNCTION registry_due_count()""",
]
POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS registry_due_count_write ON registry_instrument",
    "DROP TRIGGER IF EXISTS registry_due_count_update ON registry_instrument",
    "DROP FUNCTION IF EXISTS registry_due_count()",
]


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor not in DAY:
        raise RuntimeError(f"due-date count triggers are written for SQLite and PostgreSQL, not {vendor}")
    statements = [FILL.format(day=DAY[vendor].format(row="i"))]
    statements += SQLITE_TRIGGERS if vendor == "sqlite" else POSTGRES_TRIGGERS
    for sql in statements:
        schema_editor.execute(sql)


def uninstall(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for sql in SQLITE_DROP if vendor == "sqlite" else POSTGRES_DROP:
        schema_editor.execute(sql)
    schema_editor.execute("DELETE FROM registry_duedaycount")


class Migration(migrations.Migration):

    dependencies = [
        ("registry", "0012_picker_indexes"),
    ]

    operations = [
        migrations.CreateModel(
            name="DueDayCount",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("division_code", models.CharField(max_length=6)),
                ("status", models.CharField(max_length=16)),
                ("due", models.CharField(max_length=10)),
                ("n", models.IntegerField(default=0)),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("status", "due", "division_code"), name="due_day_count_key")
                ],
            },
        ),
        migrations.RunPython(install, uninstall),
    ]
