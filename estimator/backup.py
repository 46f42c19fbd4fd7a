"""Whole-database backup and restore: pg_dump/pg_restore on PostgreSQL, the backup API on SQLite."""

from __future__ import annotations

import os
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

from django.db import connection


class BackupError(Exception):
    """A backup or restore that could not be done; the message says why."""


def _postgres_url(settings_dict: dict[str, Any]) -> list[str]:
    """libpq connection options for pg_dump/pg_restore (the password travels in PGPASSWORD)."""
    options = [f"--dbname={settings_dict['NAME']}"]
    if settings_dict.get("HOST"):
        options.append(f"--host={settings_dict['HOST']}")
    if settings_dict.get("PORT"):
        options.append(f"--port={settings_dict['PORT']}")
    if settings_dict.get("USER"):
        options.append(f"--username={settings_dict['USER']}")
    return options


def _environment(settings_dict: dict[str, Any]) -> dict[str, str]:
    env = dict(os.environ)
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings_dict["PASSWORD"])
    return env


def _run(command: list[str], settings_dict: dict[str, Any]) -> None:
    try:
        done = subprocess.run(  # noqa: S603  (fixed programs, options from settings)
            command, env=_environment(settings_dict), capture_output=True, text=True, check=False
        )
    except FileNotFoundError as missing:
        raise BackupError(f"{command[0]} is not installed (PostgreSQL client tools).") from missing
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed: {done.stderr.strip()[-2000:]}")


def database_backup(*, path: Path) -> None:
    """Write the whole default database to path (pg_dump custom format, or a SQLite file)."""
    settings_dict = connection.settings_dict
    if connection.vendor == "postgresql":
        _run(
            [
                "pg_dump",
                "--format=custom",
                "--no-owner",
                f"--file={path}",
                *_postgres_url(settings_dict),
            ],
            settings_dict,
        )
    elif connection.vendor == "sqlite":
        connection.ensure_connection()
        target = sqlite3.connect(path)
        try:
            connection.connection.backup(target)
        finally:
            target.close()
    else:
        raise BackupError(f"Backups of {connection.vendor} databases are not supported.")


def database_restore(*, path: Path, target: dict[str, Any]) -> None:
    """Load a backup into the (empty) database that target's settings name."""
    if not path.exists():
        raise BackupError(f"There is no backup at {path}.")
    engine = str(target["ENGINE"])
    if engine.endswith("postgresql"):
        _run(
            [
                "pg_restore",
                "--no-owner",
                "--exit-on-error",
                "--single-transaction",
                *_postgres_url(target),
                str(path),
            ],
            target,
        )
    elif engine.endswith("sqlite3"):
        source = sqlite3.connect(path)
        destination = sqlite3.connect(str(target["NAME"]))
        try:
            if destination.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
                raise BackupError(f"{target['NAME']} is not empty; restore into a new file.")
            source.backup(destination)
        finally:
            source.close()
            destination.close()
    else:
        raise BackupError(f"Restoring into {engine} is not supported.")
