"""The OpenAPI schema and its docs pages: complete, documented errors, served offline."""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from typing import Any

import jsonschema
import pytest

from estimator import pricing
from estimator.api import serializers
from estimator.api.schema import PROBLEM_KINDS

pytestmark = pytest.mark.django_db

OPERATIONS = [
    ("/api/v1/clinics", "get"),
    ("/api/v1/services", "get"),
    ("/api/v1/add-ons", "get"),
    ("/api/v1/payers", "get"),
    ("/api/v1/plans", "get"),
    ("/api/v1/quotes", "post"),
    ("/api/v1/quotes/summary", "post"),
    ("/api/v1/estimates", "get"),
    ("/api/v1/estimates", "post"),
    ("/api/v1/estimates/{reference}", "get"),
    ("/api/v1/estimates/{reference}/emails", "post"),
    ("/api/v1/estimates/{reference}/billed-charges", "post"),
    ("/api/v1/estimates/{reference}/fhir", "get"),
]


# 414 is answered by the server in front (gunicorn) before the API: no problem body, no headers.
SERVERS_OWN = "414"

PUBLIC = [op for op in OPERATIONS if not op[0].startswith("/api/v1/estimates")]
CATALOG_FILTERS = {
    "/api/v1/clinics": {"active"},
    "/api/v1/services": {"clinic", "active"},
    "/api/v1/add-ons": {"clinic", "active"},
    "/api/v1/payers": set(),
    "/api/v1/plans": {"clinic", "payer", "active"},
}


@pytest.fixture
def schema(api):
    response = api.get("/api/v1/schema/?format=json")
    assert response.status_code == 200
    return response.json()


def _operations(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            yield path, method, operation


def test_every_operation_is_listed_here(schema):
    # A new endpoint must be added to OPERATIONS, so the tests below cover it.
    assert {(path, method) for path, method, _ in _operations(schema)} == set(OPERATIONS)


def test_catalog_filters_are_query_parameters(schema):
    for path, filters in CATALOG_FILTERS.items():
        params = {
            p["name"] for p in schema["paths"][path]["get"]["parameters"] if p["in"] == "query"
        }
        assert params == filters | {"limit", "offset"}, path


def test_every_paginated_list_takes_limit_and_offset(schema):
    for path in [*CATALOG_FILTERS, "/api/v1/estimates"]:
        params = {p["name"]: p for p in schema["paths"][path]["get"]["parameters"]}
        assert params["limit"]["schema"]["maximum"] == 100, path
        assert "offset" in params, path


def test_public_operations_say_the_key_is_optional(schema):
    for path, method, operation in _operations(schema):
        anonymous = {} in operation["security"]
        assert anonymous == ((path, method) in PUBLIC), (path, method)
        assert {"ApiKeyAuth": []} in operation["security"], (path, method)


def _kinds(schema, operation, code):
    """The problem types (`type` without its prefix) of a response's examples."""
    named = schema["components"]["examples"]
    examples = operation["responses"][code]["content"]["application/problem+json"]["examples"]
    values = [
        e.get("value") or named[e["$ref"].rsplit("/", 1)[1]]["value"] for e in examples.values()
    ]
    return {value["type"].removeprefix("urn:problem-type:estimator:") for value in values}


def test_every_problem_response_names_each_problem_type_it_may_carry(schema):
    for path, method, operation in _operations(schema):
        for code in ("400", "401", "403", "404", "406", "429", "500", "503"):
            assert code in operation["responses"], (path, method, code)
        for code in operation["responses"]:
            if code.startswith(("4", "5")) and code != SERVERS_OWN:
                kinds = _kinds(schema, operation, code)
                assert kinds and kinds <= set(PROBLEM_KINDS[int(code)]), (path, method, code)
    documented = {
        int(code) for _, _, operation in _operations(schema) for code in operation["responses"]
    }
    assert set(PROBLEM_KINDS) <= documented


def test_only_the_problem_types_an_operation_can_meet_are_named(schema):
    paths = schema["paths"]
    store, quote, plans = (
        paths["/api/v1/estimates"]["post"],
        paths["/api/v1/quotes"]["post"],
        paths["/api/v1/plans"]["get"],
    )
    assert _kinds(schema, store, "401") == {"not-authenticated", "authentication-failed"}
    assert _kinds(schema, quote, "401") == {"authentication-failed"}  # no key is needed
    assert _kinds(schema, store, "422") == {"quote-invalid", "idempotency-key-reused"}
    assert _kinds(schema, quote, "422") == {"quote-invalid"}
    assert _kinds(schema, plans, "400") == {"validation-error", "bad-request"}  # no body to parse
    assert _kinds(schema, plans, "403") == {"permission-denied"}


def test_response_headers_are_documented(schema):
    for path, method, operation in _operations(schema):
        for code, response in operation["responses"].items():
            if code == SERVERS_OWN:
                assert "content" not in response and "headers" not in response
                continue
            headers = set(response["headers"])
            assert {"X-Request-ID", "RateLimit-Limit", "RateLimit-Remaining"} <= headers
            if code in ("429", "503"):
                assert "Retry-After" in headers, (path, code)
            if code == "401":
                assert "WWW-Authenticate" in headers
            if code == "201":
                assert "Location" in headers
            if (path, method) in PUBLIC and method == "get" and code in ("200", "304"):
                assert {"ETag", "Cache-Control"} <= headers, (path, code)
    for name, header in schema["components"]["headers"].items():
        assert header["description"] and header["schema"], name


def _json_schema(node: Any) -> Any:
    """OpenAPI 3.0's schema dialect as JSON Schema: `nullable: true` becomes a null type."""
    if isinstance(node, list):
        return [_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _json_schema(value) for key, value in node.items()}
    if node.pop("nullable", False):
        if "type" in node:
            node["type"] = [node["type"], "null"]
        elif "enum" in node:
            node["enum"] = [*node["enum"], None]
        else:
            node = {"anyOf": [node, {"type": "null"}]}
    return node


def _examples(schema: dict[str, Any]) -> Iterator[tuple[str, Any, Any]]:
    """(where, example value, the schema it must satisfy) for every example in the schema."""
    named = schema["components"].get("examples", {})

    def media(where: str, content: dict[str, Any]) -> Iterator[tuple[str, Any, Any]]:
        for media_type, body in content.items():
            if "example" in body:
                yield f"{where} {media_type}", body["example"], body["schema"]
            for name, example in body.get("examples", {}).items():
                if "$ref" in example:
                    example = named[example["$ref"].rsplit("/", 1)[1]]
                yield f"{where} {media_type} {name}", example["value"], body["schema"]

    for path, method, operation in _operations(schema):
        where = f"{method.upper()} {path}"
        yield from media(where, operation.get("requestBody", {}).get("content", {}))
        for code, response in operation["responses"].items():
            yield from media(f"{where} {code}", response.get("content", {}))

    def walk(where: str, node: Any) -> Iterator[tuple[str, Any, Any]]:
        if isinstance(node, dict):
            if "example" in node and ("type" in node or "$ref" in node):
                yield where, node["example"], {k: v for k, v in node.items() if k != "example"}
            for key, value in node.items():
                yield from walk(f"{where}.{key}", value)
        elif isinstance(node, list):
            for index, value in enumerate(node):
                yield from walk(f"{where}[{index}]", value)

    yield from walk("components.schemas", schema["components"]["schemas"])


def test_every_example_validates_against_its_schema(schema):
    examples = list(_examples(schema))
    assert len(examples) > 20  # the request, problem and field examples are all found
    components = _json_schema(copy.deepcopy(schema["components"]))
    for where, value, target in examples:
        root = {**_json_schema(target), "components": components}
        errors = [e.message for e in jsonschema.Draft7Validator(root).iter_errors(value)]
        assert not errors, (where, errors)


def test_every_operation_documents_problem_json_errors(schema):
    for path, method in OPERATIONS:
        responses = schema["paths"][path][method]["responses"]
        for code in ("400", "401", "403", "404", "429"):
            assert "application/problem+json" in responses[code]["content"], (path, code)
        if method == "post":
            for code in ("413", "422"):
                assert "application/problem+json" in responses[code]["content"], (path, code)


def test_api_key_security_scheme_is_documented(schema):
    scheme = schema["components"]["securitySchemes"]["ApiKeyAuth"]
    assert scheme == {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": scheme["description"],
    }
    estimates = schema["paths"]["/api/v1/estimates"]["post"]
    assert {"ApiKeyAuth": []} in estimates["security"]


def test_idempotency_key_header_is_documented(schema):
    params = schema["paths"]["/api/v1/estimates"]["post"]["parameters"]
    assert any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in params)


def test_quote_request_has_examples(schema):
    content = schema["paths"]["/api/v1/quotes"]["post"]["requestBody"]["content"]
    assert content["application/json"]["examples"]


def test_documented_totals_match_the_engines_totals():
    assert set(serializers.TotalsOut().fields) == set(pricing.Totals.__slots__)


def test_swagger_ui_uses_only_local_static_files(api):
    response = api.get("/api/v1/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert urls
    assert all(url.startswith("/static/") or url.startswith("/api/") for url in urls), urls
    assert "cdn" not in html.lower()


def test_swagger_static_files_are_served(client):
    response = client.get("/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")
    assert response.status_code == 200


def test_operations_with_query_parameters_say_the_server_may_refuse_a_long_address(schema):
    # make fuzz found gunicorn answering 414 for request lines over 4094 bytes.
    for path, method, operation in _operations(schema):
        has_query = any(p["in"] == "query" for p in operation.get("parameters", []))
        assert (SERVERS_OWN in operation["responses"]) == has_query, (path, method)
