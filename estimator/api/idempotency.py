"""Idempotency-Key: a retried create gets the first response back, never a second estimate."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from rest_framework.exceptions import ValidationError

from estimator.models import Estimate, IdempotencyRecord
from estimator.models.base import EncodedDocument

from .errors import IdempotencyInProgress, IdempotencyMismatch
from .renderers import json_bytes

HEADER = "Idempotency-Key"
KEY_RE = re.compile(r"^[\x21-\x7e]{1,255}$")


@dataclass(frozen=True)
class Replay:
    """The stored first response to this key."""

    status: int
    body: dict[str, Any]


def idempotency_key(headers: Any) -> str | None:
    """The request's Idempotency-Key, checked: 1 to 255 visible ASCII characters."""
    value = headers.get(HEADER)
    if value is None:
        return None
    if not KEY_RE.match(value):
        raise ValidationError(
            {HEADER: ["Use 1 to 255 visible ASCII characters, e.g. a UUID."]},
            code="invalid_idempotency_key",
        )
    return str(value)


def request_hash(data: Any) -> str:
    """A fingerprint of the parsed body: key order and whitespace do not matter."""
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _replay(record: IdempotencyRecord, fingerprint: str) -> Replay:
    if record.request_hash != fingerprint:
        raise IdempotencyMismatch()
    if record.response_status is None or record.response_body is None:
        raise IdempotencyInProgress()
    return Replay(record.response_status, record.response_body)


def idempotency_begin(*, owner: str, key: str, fingerprint: str) -> IdempotencyRecord | Replay:
    """Claim the key for this request, or return the first response if it was already used.

    The claim is an INSERT under the (owner, key) unique constraint: on PostgreSQL a concurrent
    duplicate waits on the first transaction's row and then fails here, after which the first
    response (committed with the claim) is read and replayed. Runs inside the request's
    transaction, so a request that fails releases its claim.
    """
    existing = IdempotencyRecord.objects.filter(owner=owner, key=key).first()
    if existing is not None:
        return _replay(existing, fingerprint)
    try:
        with transaction.atomic():
            return IdempotencyRecord.objects.create(owner=owner, key=key, request_hash=fingerprint)
    except IntegrityError:
        return _replay(IdempotencyRecord.objects.get(owner=owner, key=key), fingerprint)


def idempotency_finish(
    *, record: IdempotencyRecord, status: int, body: dict[str, Any], estimate: Estimate
) -> None:
    """Keep the response so a retry gets it back unchanged."""
    record.response_status = status
    # Kept as the bytes the answer is written as: documents still encoded stay so.
    record.response_body = EncodedDocument(json_bytes(body))
    record.estimate = estimate
    record.save(update_fields=["response_status", "response_body", "estimate"])
