"""How the database stores estimates' documents: LZ4 on PostgreSQL where it has it."""

from __future__ import annotations

import json

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db

DOCUMENTS = {
    "estimator_estimate": ("request_data", "snapshot_data", "result_data"),
    "estimator_goodfaithestimaterequest": ("request_data", "result_data"),
    "estimator_idempotencyrecord": ("response_body",),
}


def test_estimate_documents_are_compressed_with_lz4_where_postgresql_has_it():
    if connection.vendor != "postgresql":
        pytest.skip("column compression is PostgreSQL's")
    with connection.cursor() as cursor:
        cursor.execute("SELECT enumvals FROM pg_settings WHERE name = 'default_toast_compression'")
        if "lz4" not in (cursor.fetchone()[0] or []):
            pytest.skip("this PostgreSQL was built without LZ4")
        for table, columns in DOCUMENTS.items():
            cursor.execute(
                "SELECT attname, attcompression FROM pg_attribute "
                "WHERE attrelid = %s::regclass AND attname = ANY(%s)",
                [table, list(columns)],
            )
            assert dict(cursor.fetchall()) == dict.fromkeys(columns, "l"), table


def test_a_document_reads_back_as_stored_whichever_encoder_wrote_it():
    from estimator.models.base import _document_text

    # orjson for what it takes; json.dumps for an integer past 64 bits, which orjson refuses.
    document = {"name": "Punción seca · 30 min", "lines": [{"amount": "12.50"}], "n": 2**70}
    assert json.loads(_document_text(document)) == document
    assert json.loads(_document_text({"a": [1, None, True]})) == {"a": [1, None, True]}


@pytest.mark.usefixtures("starter_catalog", "clock")
def test_an_estimates_documents_are_stored_and_read_whole():
    from estimator.models import Estimate
    from tests.factories import priced_estimate

    stored = priced_estimate()
    fresh = Estimate.objects.get(pk=stored.pk)
    assert fresh.result_data["scenarios"] and fresh.result_data == stored.result_data
    assert fresh.snapshot_data == stored.snapshot_data
    assert fresh.request_data == stored.request_data
