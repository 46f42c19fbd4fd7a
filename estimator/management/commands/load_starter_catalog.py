"""manage.py load_starter_catalog: load fixtures/starter_catalog.json, safe to run again."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from estimator.catalog_seed import DEFAULT_PATH, catalog_load_starter


class Command(BaseCommand):
    """Create the missing rows of the starter catalog; leave existing rows as admin left them."""

    help = __doc__

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", nargs="?", default=str(DEFAULT_PATH))

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["path"])
        if not path.exists():
            raise CommandError(f"No catalog file at {path}.")
        report = catalog_load_starter(path=path)
        created = sum(report["created"].values())
        kept = sum(report["kept"].values())
        self.stdout.write(f"Starter catalog: {created} rows created, {kept} already present.")
