"""manage.py backup_database FILE: the whole database, to restore with restore_database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from estimator.backup import BackupError, database_backup


class Command(BaseCommand):
    help = "Write the whole database to FILE (pg_dump custom format on PostgreSQL)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            database_backup(path=options["file"])
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Backed up to {options['file']}.")
