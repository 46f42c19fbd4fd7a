"""Renderers: JSON for results, problem+json for errors."""

from __future__ import annotations

from rest_framework.renderers import JSONRenderer


class ProblemJSONRenderer(JSONRenderer):
    """RFC 9457 problem details."""

    media_type = "application/problem+json"


class FhirJSONRenderer(JSONRenderer):
    """HL7 FHIR resources as JSON."""

    media_type = "application/fhir+json"
    format = "fhir"
