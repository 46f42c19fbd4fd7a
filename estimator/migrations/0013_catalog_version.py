"""The catalog version: one row whose token every catalog change moves (estimator.catalog_cache).

The triggers that move it live in estimator/catalog_triggers.py and are (re)created after every
migrate by a post_migrate hook, since SQLite drops a table's triggers when it rebuilds the
table; this migration creates them too, and drops them when it is reversed (they name the
version table, and SQLite would otherwise refuse every catalog write once it is gone).
"""

from __future__ import annotations

from typing import Any

from django.db import migrations, models


def _create(apps: Any, schema_editor: Any) -> None:
    from estimator.catalog_triggers import catalog_triggers_ensure

    catalog_triggers_ensure(using=schema_editor.connection.alias)


def _drop(apps: Any, schema_editor: Any) -> None:
    from estimator.catalog_triggers import catalog_triggers_drop

    catalog_triggers_drop(using=schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [
        ("estimator", "0012_medicare_mppr"),
    ]

    operations = [
        migrations.CreateModel(
            name="CatalogVersion",
            fields=[
                (
                    "id",
                    models.PositiveSmallIntegerField(default=1, primary_key=True, serialize=False),
                ),
                ("token", models.BigIntegerField(default=0)),
                ("changed_at", models.DateTimeField(blank=True, null=True)),
            ],
            options={
                "verbose_name": "catalog version",
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("id", 1)), name="catalog_version_one_row"
                    )
                ],
            },
        ),
        migrations.RunPython(_create, _drop),
    ]
