"""Open a database that `registry_scale.py --keep` left behind, for the scripts that measure
on it (`registry_pages.py`, `registry_import_phases.py`)."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

PG_SERVER = "postgres://postgres@127.0.0.1:5432"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sqlite-path", default="", help="a kept SQLite bench file")
    parser.add_argument("--pg-database", default="", help="a kept PostgreSQL bench database")


def open_kept(parser: argparse.ArgumentParser, args: argparse.Namespace) -> str:
    """Point Django at the kept database named by the arguments, set it up and migrate it;
    return the backend's name."""
    if bool(args.sqlite_path) == bool(args.pg_database):
        parser.error("give one of --sqlite-path or --pg-database (a kept bench database)")
    os.environ["JILIANG_DATA_DIR"] = tempfile.mkdtemp(prefix="jiliang-kept-")
    os.environ["DJANGO_SETTINGS_MODULE"] = "jiliang.settings"
    if args.sqlite_path:
        os.environ.pop("JILIANG_DATABASE_URL", None)
        os.environ["JILIANG_SQLITE_PATH"] = args.sqlite_path
    else:
        os.environ["JILIANG_DATABASE_URL"] = f"{PG_SERVER}/{args.pg_database}"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return "sqlite" if args.sqlite_path else "postgres"
