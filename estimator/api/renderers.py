"""Renderers: JSON for results, problem+json for errors, both written by orjson.

A full quote is about 50 KB of JSON; the standard library's encoder took longer to write it
than the engine took to price the plan. orjson writes the same document (UTF-8, compact) in
a tenth of the time. What it does not know natively is written as DRF's encoder would.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import orjson
from django.utils.functional import Promise
from rest_framework.renderers import JSONRenderer
from rest_framework.utils import encoders

from estimator.models.base import EncodedDocument

_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS


def _default(value: Any) -> Any:
    if isinstance(value, EncodedDocument):
        return value.fragment()
    if isinstance(value, dt.datetime):
        text = value.isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal | uuid.UUID | Promise):
        return str(value)
    if isinstance(value, tuple | set | frozenset):
        return list(value)
    if hasattr(value, "tolist"):
        return value.tolist()
    if hasattr(value, "__iter__") and not isinstance(value, str | bytes | Mapping):
        return list(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def json_bytes(data: Any) -> bytes:
    """data as FastJSONRenderer writes it (compact UTF-8), for keeping an answer as sent."""
    return orjson.dumps(data, default=_default, option=_OPTIONS)


class DocumentEncoder(encoders.JSONEncoder):
    """DRF's JSON encoder, which also writes a still-encoded document (decoded first)."""

    def default(self, obj: Any) -> Any:
        if isinstance(obj, EncodedDocument):
            return obj.decode()
        return super().default(obj)


class FastJSONRenderer(JSONRenderer):
    """application/json by orjson; asked for indentation (Accept: ...; indent=2), DRF's own."""

    encoder_class = DocumentEncoder

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Mapping[str, Any] | None = None,
    ) -> bytes:
        if data is None:
            return b""
        if self.get_indent(accepted_media_type or "", renderer_context or {}):
            return super().render(data, accepted_media_type, renderer_context)
        body = json_bytes(data)
        # As DRF does: these two are valid JSON but end a line in JavaScript.
        if b"\xe2\x80\xa8" in body or b"\xe2\x80\xa9" in body:
            body = body.replace(b"\xe2\x80\xa8", b"\\u2028").replace(b"\xe2\x80\xa9", b"\\u2029")
        return body


class ProblemJSONRenderer(FastJSONRenderer):
    """RFC 9457 problem details."""

    media_type = "application/problem+json"


class FhirJSONRenderer(JSONRenderer):
    """HL7 FHIR resources as JSON."""

    media_type = "application/fhir+json"
    format = "fhir"
