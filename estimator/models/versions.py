"""The catalog's version: a token that every change to prices, services, plans or coverage moves.

One row. Database triggers on every catalog table (estimator/catalog_triggers.py) give it a new
random token in the same transaction as the change, whatever wrote it — admin, a bulk action,
an import, raw SQL — so a cache keyed by the token can never serve prices older than the
database's. A random token, not a counter: a rolled-back change must not leave a number that a
later, different change would reuse.
"""

from __future__ import annotations

from django.db import models


class CatalogVersion(models.Model):
    """The one row whose token names the catalog as it stands."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    token = models.BigIntegerField(default=0)
    changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "catalog version"
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="catalog_version_one_row")
        ]

    def __str__(self) -> str:
        return f"catalog version {self.token:x}"
