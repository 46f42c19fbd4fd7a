"""Data migrations keep what a clinic already has."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("estimator", "0001_initial")]
AFTER = [("estimator", "0002_ranked_suggestions")]


def migrate(targets: list[tuple[str, str]]) -> Any:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_suggestions_survive_the_move_to_ranked_rows_and_back() -> None:
    old = migrate(BEFORE)
    service_model = old.get_model("estimator", "ServiceType")
    area_model = old.get_model("estimator", "BodyArea")
    first = service_model.objects.create(
        code="dn", name="Dry needling", description="x", billing_code="20560", order=1
    )
    second = service_model.objects.create(
        code="ims", name="IMS", description="x", billing_code="20561", order=2
    )
    area = area_model.objects.create(code="neck", name="Neck")
    area.suggested_services.set([second, first])

    new = migrate(AFTER)
    rows = new.get_model("estimator", "Suggestion").objects.order_by("rank")
    # Ranked as the quote page showed them before: by the treatments' display order.
    assert [(r.service.code, r.rank) for r in rows] == [("dn", 1), ("ims", 2)]

    back = migrate(BEFORE)
    restored = back.get_model("estimator", "BodyArea").objects.get(code="neck")
    assert sorted(s.code for s in restored.suggested_services.all()) == ["dn", "ims"]
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
