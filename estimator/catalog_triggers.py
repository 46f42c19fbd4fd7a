"""Database triggers that move the catalog version (models.CatalogVersion) on every catalog write.

Created after every `migrate` (post_migrate, so they are back even after SQLite has rebuilt a
table for a schema change and dropped its triggers), idempotently, on SQLite and PostgreSQL.
Every table whose rows change a price, an offer or a plan's terms is listed here; a test fails
when a model is neither listed here nor named as outside the catalog.

On PostgreSQL the bump also sends NOTIFY on CHANNEL with the new token, which PostgreSQL
delivers at commit (never for a rolled-back change) to every session that LISTENs: each
process's watcher (estimator/catalog_watch.py) learns of a change without asking. The function
is replaced on every migrate, so an existing database gets a new body with the next one.
"""

from __future__ import annotations

from typing import Any

from django.db import connections

CATALOG_TABLES = (
    "estimator_clinic",
    "estimator_bodyarea",
    "estimator_suggestion",
    "estimator_servicetype",
    "estimator_addon",
    "estimator_addon_services",
    "estimator_serviceprice",
    "estimator_addonprice",
    "estimator_package",
    "estimator_payer",
    "estimator_insuranceplan",
    "estimator_codesetlimit",
    "estimator_coveragerule",
)
VERSION_TABLE = "estimator_catalogversion"
# The token's read: plain SQL, as every read-only request may run it (the ORM's query building
# costs four times over: ≈ 0.4 ms of CPU against 0.1 ms). CatalogVersion keeps one row (id 1).
VERSION_SQL = 'SELECT "token" FROM "estimator_catalogversion" ORDER BY "id" LIMIT 1'
# What the PostgreSQL trigger notifies, with the new token as the payload.
CHANNEL = "estimator_catalog"

_SQLITE_BUMP = (
    "INSERT INTO estimator_catalogversion (id, token, changed_at) "
    "VALUES (1, random(), CURRENT_TIMESTAMP) ON CONFLICT(id) "
    "DO UPDATE SET token = excluded.token, changed_at = excluded.changed_at"
)
_POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION estimator_catalog_bump() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    new_token bigint;
BEGIN
    INSERT INTO estimator_catalogversion (id, token, changed_at)
    VALUES (1, (random() * 9.0e18 - 4.5e18)::bigint, now())
    ON CONFLICT (id) DO UPDATE SET token = EXCLUDED.token, changed_at = EXCLUDED.changed_at
    RETURNING token INTO new_token;
    PERFORM pg_notify('estimator_catalog', new_token::text);  -- CHANNEL (catalog_watch listens)
    RETURN NULL;
END $$"""


def _sqlite_statements(table: str) -> list[str]:
    return [
        f"CREATE TRIGGER IF NOT EXISTS {table}_catalog_{op.lower()} AFTER {op} ON {table} "
        f"FOR EACH ROW BEGIN {_SQLITE_BUMP}; END"
        for op in ("INSERT", "UPDATE", "DELETE")
    ]


def _postgres_statements(table: str) -> list[str]:
    # Once per statement, not per row: a bulk price change moves the version once.
    return [
        f"CREATE OR REPLACE TRIGGER {table}_catalog AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
        f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION estimator_catalog_bump()"
    ]


def catalog_triggers_ensure(*, using: str = "default") -> None:
    """Create the version row and every catalog trigger that is missing (safe to repeat)."""
    connection = connections[using]
    existing = set(connection.introspection.table_names())
    if VERSION_TABLE not in existing:
        return  # before the migration that makes it
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(_POSTGRES_FUNCTION)
            make = _postgres_statements
        elif connection.vendor == "sqlite":
            make = _sqlite_statements
        else:  # pragma: no cover - the project supports SQLite and PostgreSQL only
            raise NotImplementedError(connection.vendor)
        for table in CATALOG_TABLES:
            if table in existing:
                for statement in make(table):
                    cursor.execute(statement)
        if connection.vendor == "sqlite":
            cursor.execute(
                "INSERT OR IGNORE INTO estimator_catalogversion (id, token) VALUES (1, random())"
            )
        else:
            cursor.execute(
                "INSERT INTO estimator_catalogversion (id, token) "
                "VALUES (1, (random() * 9.0e18)::bigint) ON CONFLICT (id) DO NOTHING"
            )


def catalog_triggers_drop(*, using: str = "default") -> None:
    """Remove every catalog trigger (and PostgreSQL's function), before the version table goes."""
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP FUNCTION IF EXISTS estimator_catalog_bump() CASCADE")
            return
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s ESCAPE '\\'",
            ["%\\_catalog\\_%"],
        )
        for (name,) in cursor.fetchall():
            cursor.execute(f'DROP TRIGGER IF EXISTS "{name}"')


def catalog_triggers_after_migrate(using: str = "default", **kwargs: Any) -> None:
    """post_migrate: the triggers exist whatever the migrations just did to the tables."""
    catalog_triggers_ensure(using=using)


def catalog_triggers_present(*, using: str = "default") -> set[str]:
    """The catalog tables that have a version trigger, as the database reports them."""
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT DISTINCT event_object_table FROM information_schema.triggers "
                "WHERE trigger_name LIKE %s",
                ["%\\_catalog"],
            )
        else:
            cursor.execute(
                "SELECT DISTINCT tbl_name FROM sqlite_master WHERE type = 'trigger' "
                "AND name LIKE %s ESCAPE '\\'",
                ["%\\_catalog\\_%"],
            )
        return {row[0] for row in cursor.fetchall()}
