"""Make the log append-only in the schema: triggers refuse UPDATE and DELETE.

SQLite: BEFORE UPDATE/DELETE triggers that RAISE(ABORT). Their WHEN clause calls
jiliang_ledger_guard(), a function jiliang registers on its own connections (it returns 1,
i.e. "refuse", except while Django flushes a whole test database). A connection that does not
know the function (the sqlite3 shell, another program) fails the statement anyway:
"no such function" — the trigger fails closed.
PostgreSQL: a plpgsql function raising an exception, fired BEFORE UPDATE OR DELETE per row.
"""

from django.db import migrations

PROTECTED = ("ledger_logentry", "ledger_treenode", "ledger_signedcheckpoint")


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for table in PROTECTED:
            for op in ("UPDATE", "DELETE"):
                schema_editor.execute(
                    f"CREATE TRIGGER {table}_no_{op.lower()} BEFORE {op} ON {table} "
                    "WHEN jiliang_ledger_guard() "
                    "BEGIN SELECT RAISE(ABORT, 'ledger is append-only'); END;"
                )
    elif vendor == "postgresql":
        schema_editor.execute(
            "CREATE OR REPLACE FUNCTION ledger_append_only() RETURNS trigger "
            "LANGUAGE plpgsql AS $$ BEGIN "
            "RAISE EXCEPTION 'ledger is append-only (% on %)', TG_OP, TG_TABLE_NAME; "
            "END; $$;",
            params=None,
        )
        for table in PROTECTED:
            schema_editor.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION ledger_append_only();"
            )
    else:  # pragma: no cover
        raise RuntimeError(f"append-only triggers are not written for {vendor}")
    LedgerHead = apps.get_model("ledger", "LedgerHead")
    LedgerHead.objects.using(schema_editor.connection.alias).get_or_create(id=1, defaults={"size": 0})


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in PROTECTED:
        if vendor == "sqlite":
            for op in ("update", "delete"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_{op}")
        elif vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
    if vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS ledger_append_only()")


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
