"""The catalog watchers' sessions on the test database, as PostgreSQL lists them."""

from __future__ import annotations

from django.db import connection

from estimator.catalog_watch import APPLICATION_NAME


def watcher_sessions() -> set[int]:
    """The backend pids of every process's catalog watcher on this database (this one's and
    any server's), found by the application_name they connect with."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity "
            "WHERE application_name = %s AND datname = current_database()",
            [APPLICATION_NAME],
        )
        return {row[0] for row in cursor.fetchall()}
