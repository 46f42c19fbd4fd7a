"""The schema diff: which changes break a client of the released schema, and the check on it."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from estimator.api.schema_diff import schema_diff
from estimator.management.commands.api_schema_diff import RELEASED, schema_current

BODY = "#/components/schemas/Body"
RELEASED_DOC: dict[str, Any] = {
    "paths": {
        "/things": {
            "get": {
                "parameters": [{"in": "query", "name": "q", "schema": {"type": "string"}}],
                "responses": {
                    "200": {
                        "headers": {"ETag": {"schema": {"type": "string"}}},
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}
                        },
                    },
                    "404": {
                        "content": {"application/problem+json": {"schema": {"type": "object"}}}
                    },
                },
            },
            "post": {
                "requestBody": {"content": {"application/json": {"schema": {"$ref": BODY}}}},
                "responses": {"201": {"content": {}}},
            },
        }
    },
    "components": {
        "schemas": {
            "Thing": {
                "type": "object",
                "required": ["id", "status"],
                "properties": {
                    "id": {"type": "integer"},
                    "status": {"enum": ["open", "shut"], "type": "string"},
                    "tags": {"type": "array", "items": {"type": "string"}},
                    "parent": {"allOf": [{"$ref": "#/components/schemas/Thing"}], "nullable": True},
                },
            },
            "Body": {
                "type": "object",
                "required": ["name"],
                "properties": {
                    "name": {"type": "string"},
                    "note": {"type": "string"},
                    "kind": {"enum": ["a", "b"], "type": "string"},
                },
            },
        }
    },
}

GET, POST = "GET /things", "POST /things"
THING = "response 200 (application/json) body"
REQUEST = "request body (application/json) body"


def _thing(doc):
    return doc["components"]["schemas"]["Thing"]


def _body(doc):
    return doc["components"]["schemas"]["Body"]


def _get(doc):
    return doc["paths"]["/things"]["get"]


CASES: list[tuple[str, Callable[[dict[str, Any]], Any], str, bool]] = [
    (
        "operation removed",
        lambda d: d["paths"]["/things"].pop("post"),
        f"{POST}: operation removed",
        True,
    ),
    (
        "operation added",
        lambda d: d["paths"].update({"/more": {"get": {"responses": {}}}}),
        "GET /more: operation added",
        False,
    ),
    (
        "parameter removed",
        lambda d: _get(d).update(parameters=[]),
        f"{GET}: query parameter q removed",
        True,
    ),
    (
        "optional parameter added",
        lambda d: _get(d)["parameters"].append({"in": "query", "name": "p", "schema": {}}),
        f"{GET}: optional query parameter p added",
        False,
    ),
    (
        "required parameter added",
        lambda d: _get(d)["parameters"].append({"in": "header", "name": "X", "required": True}),
        f"{GET}: required header parameter X added",
        True,
    ),
    (
        "parameter made required",
        lambda d: _get(d)["parameters"][0].update(required=True),
        f"{GET}: query parameter q made required",
        True,
    ),
    (
        "parameter type changed",
        lambda d: _get(d)["parameters"][0].update(schema={"type": "integer"}),
        f"{GET}: query parameter q: type changed from string to integer",
        True,
    ),
    (
        "response removed",
        lambda d: _get(d)["responses"].pop("404"),
        f"{GET}: response 404 removed",
        True,
    ),
    (
        "response added",
        lambda d: _get(d)["responses"].update({"503": {}}),
        f"{GET}: response 503 added",
        False,
    ),
    (
        "response header removed",
        lambda d: _get(d)["responses"]["200"].pop("headers"),
        f"{GET}: response 200 header ETag removed",
        True,
    ),
    (
        "response field removed",
        lambda d: _thing(d)["properties"].pop("tags"),
        f"{GET}: {THING}.tags removed",
        True,
    ),
    (
        "response field added",
        lambda d: _thing(d)["properties"].update(more={"type": "string"}),
        f"{GET}: optional {THING}.more added",
        False,
    ),
    (
        "response field no longer always sent",
        lambda d: _thing(d)["required"].remove("status"),
        f"{GET}: {THING}.status no longer always sent",
        True,
    ),
    (
        "response field type changed",
        lambda d: _thing(d)["properties"]["id"].update(type="string"),
        f"{GET}: {THING}.id: type changed from integer to string",
        True,
    ),
    (
        "response array item type changed",
        lambda d: _thing(d)["properties"]["tags"]["items"].update(type="integer"),
        f"{GET}: {THING}.tags[]: type changed from string to integer",
        True,
    ),
    (
        "response enum value removed",
        lambda d: _thing(d)["properties"]["status"]["enum"].remove("shut"),
        f"{GET}: {THING}.status: enum value 'shut' removed",
        True,
    ),
    (
        "response enum value added",
        lambda d: _thing(d)["properties"]["status"]["enum"].append("held"),
        f"{GET}: {THING}.status: enum value 'held' added",
        True,
    ),
    (
        "response field may now be null",
        lambda d: _thing(d)["properties"]["id"].update(nullable=True),
        f"{GET}: {THING}.id: null now allowed",
        True,
    ),
    (
        "request field added, optional",
        lambda d: _body(d)["properties"].update(extra={"type": "string"}),
        f"{POST}: optional {REQUEST}.extra added",
        False,
    ),
    (
        "request field added, required",
        lambda d: (_body(d)["properties"].update(extra={}), _body(d)["required"].append("extra")),
        f"{POST}: required {REQUEST}.extra added",
        True,
    ),
    (
        "request field made required",
        lambda d: _body(d)["required"].append("note"),
        f"{POST}: {REQUEST}.note made required",
        True,
    ),
    (
        "request field removed",
        lambda d: _body(d)["properties"].pop("note"),
        f"{POST}: {REQUEST}.note removed",
        True,
    ),
    (
        "request enum value added",
        lambda d: _body(d)["properties"]["kind"]["enum"].append("c"),
        f"{POST}: {REQUEST}.kind: enum value 'c' added",
        False,
    ),
    (
        "request enum value removed",
        lambda d: _body(d)["properties"]["kind"]["enum"].remove("b"),
        f"{POST}: {REQUEST}.kind: enum value 'b' removed",
        True,
    ),
    (
        "request body made required",
        lambda d: d["paths"]["/things"]["post"]["requestBody"].update(required=True),
        f"{POST}: request body made required",
        True,
    ),
    (
        "request media type removed",
        lambda d: d["paths"]["/things"]["post"]["requestBody"].update(content={}),
        f"{POST}: request body (application/json) removed",
        True,
    ),
]


@pytest.mark.parametrize(
    ("change", "expected", "breaking"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_each_change_is_found_and_judged(change, expected, breaking):
    new = copy.deepcopy(RELEASED_DOC)
    change(new)
    found = {str(c): c.breaking for c in schema_diff(RELEASED_DOC, new)}
    assert found == {expected: breaking}


def test_descriptions_and_examples_are_not_compared():
    new = copy.deepcopy(RELEASED_DOC)
    _thing(new)["properties"]["id"].update(description="Now described.", example=3)
    _get(new)["summary"] = "Things"
    assert schema_diff(RELEASED_DOC, new) == []


def test_a_reference_wrapped_in_a_lone_allof_is_the_same_schema():
    new = copy.deepcopy(RELEASED_DOC)
    _body(new)["properties"]["kind"] = {
        "allOf": [{"$ref": "#/components/schemas/Kind"}],
        "description": "Now a component of its own.",
    }
    new["components"]["schemas"]["Kind"] = {"enum": ["a", "b"], "type": "string"}
    assert schema_diff(RELEASED_DOC, new) == []


def test_a_recursive_schema_is_compared_without_looping():
    new = copy.deepcopy(RELEASED_DOC)
    _thing(new)["properties"]["id"]["type"] = "number"
    assert [str(c) for c in schema_diff(RELEASED_DOC, new)] == [
        f"{GET}: {THING}.id: type changed from integer to number"
    ]


# ---- the check `make check` runs ---------------------------------------------------------------


def _run(released: Path, changelog: Path) -> str:
    out = StringIO()
    call_command("api_schema_diff", released=released, changelog=changelog, stdout=out)
    return out.getvalue()


@pytest.fixture
def current() -> dict[str, Any]:
    return schema_current()


def test_the_released_schema_is_kept_by_the_code():
    # `make check` runs the same; a failure here names each breaking change.
    out = StringIO()
    call_command("api_schema_diff", stdout=out)
    assert "keeps every promise" in out.getvalue()
    assert json.loads(RELEASED.read_text())["info"]["version"].startswith("1.")


def test_a_breaking_change_fails_until_the_changelog_names_it(tmp_path, current):
    released = copy.deepcopy(current)
    released["paths"]["/api/v1/gone"] = {"get": {"responses": {}}}
    (tmp_path / "openapi.json").write_text(json.dumps(released))
    guide = tmp_path / "api.md"
    guide.write_text("# API\n\n## Changelog\n\n### Unreleased\n\n- nothing yet\n\n## Other\n")
    with pytest.raises(CommandError, match="GET /api/v1/gone: operation removed"):
        _run(tmp_path / "openapi.json", guide)

    # Named elsewhere in the guide is not enough: it must be in the changelog.
    guide.write_text(
        "# API\n\n## Changelog\n\n### Unreleased\n\n- Removed (v2 only): "
        "`GET /api/v1/gone: operation removed`.\n\n## Other\n"
    )
    assert "breaking, in the changelog: GET /api/v1/gone: operation removed" in _run(
        tmp_path / "openapi.json", guide
    )


def test_additive_changes_pass_and_are_reported(tmp_path, current):
    released = copy.deepcopy(current)
    released["paths"].pop("/api/v1/payers")
    (tmp_path / "openapi.json").write_text(json.dumps(released))
    (tmp_path / "api.md").write_text("## Changelog\n")
    out = StringIO()
    call_command(
        "api_schema_diff",
        released=tmp_path / "openapi.json",
        changelog=tmp_path / "api.md",
        verbosity=2,
        stdout=out,
    )
    assert "additive: GET /api/v1/payers: operation added" in out.getvalue()


def test_release_writes_the_current_schema(tmp_path, current):
    target = tmp_path / "openapi.json"
    call_command("api_schema_diff", released=target, release=True, stdout=StringIO())
    assert json.loads(target.read_text()) == current
