"""manage.py restore_database FILE --into URL: load a backup into a new, empty database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import environ
from django.core.management.base import BaseCommand, CommandError, CommandParser

from estimator.backup import BackupError, database_restore


class Command(BaseCommand):
    help = (
        "Load a backup made by backup_database into the empty database at --into "
        "(a DATABASE_URL); then point DATABASE_URL at it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--into", required=True, help="database URL of an empty database")

    def handle(self, *args: Any, **options: Any) -> None:
        target = environ.Env.db_url_config(options["into"])
        try:
            database_restore(path=options["file"], target=target)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Restored {options['file']} into {target['NAME']}.")
