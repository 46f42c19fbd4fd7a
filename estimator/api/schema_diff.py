"""What changed between two OpenAPI documents, and which changes break a client of the old one.

Breaking (docs/api.md, "Versioning"): a path, operation, parameter, response status, response
header, field or enum value removed; a new required parameter or request field; a parameter or
field made required; a type or format changed; null newly allowed in a response (or refused in a
request); a new enum value in a response (generated clients refuse values they do not know).
Everything else that differs in these places (new operations, optional parameters and fields,
statuses, headers, request enum values) is additive. Descriptions and examples are not compared.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_COMPOSITES = ("allOf", "oneOf", "anyOf")


@dataclass(frozen=True)
class Change:
    """One difference: where, what, and whether a client of the old document may break."""

    where: str
    what: str
    breaking: bool

    def __str__(self) -> str:
        return f"{self.where}: {self.what}"


def schema_diff(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    """Every change from old to new, in document order."""
    return list(_Diff(old, new).paths())


def _named(node: dict[str, Any]) -> str:
    """The component a schema is (directly or as a lone allOf entry), or ""."""
    wrapped = node.get("allOf", [])
    return str(node.get("$ref") or (wrapped[0].get("$ref", "") if len(wrapped) == 1 else ""))


@dataclass(frozen=True)
class _Place:
    """Where in a schema the comparison is, and which way the data flows."""

    where: str
    label: str
    request: bool
    seen: frozenset[tuple[str, str]] = frozenset()

    def entered(self, refs: tuple[str, str]) -> _Place:
        return replace(self, seen=self.seen | {refs})

    def within(self, suffix: str) -> _Place:
        return replace(self, label=self.label + suffix)

    def change(self, what: str, breaking: bool) -> Change:
        """A change of the schema here: "label: what"."""
        return Change(self.where, f"{self.label}: {what}", breaking)

    def about(self, what: str, breaking: bool) -> Change:
        """A change of the field here: "label what"."""
        return Change(self.where, f"{self.label} {what}", breaking)


class _Diff:
    def __init__(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        self.old, self.new = old, new

    def paths(self) -> Iterator[Change]:
        old_paths, new_paths = self.old.get("paths", {}), self.new.get("paths", {})
        for path in {**old_paths, **new_paths}:
            old_ops, new_ops = old_paths.get(path, {}), new_paths.get(path, {})
            for method in METHODS:
                where = f"{method.upper()} {path}"
                if method in old_ops and method not in new_ops:
                    yield Change(where, "operation removed", True)
                elif method in new_ops and method not in old_ops:
                    yield Change(where, "operation added", False)
                elif method in old_ops:
                    yield from self.operation(where, old_ops[method], new_ops[method])

    def operation(self, where: str, old: dict[str, Any], new: dict[str, Any]) -> Iterator[Change]:
        yield from self.parameters(where, old.get("parameters", []), new.get("parameters", []))
        old_body, new_body = old.get("requestBody"), new.get("requestBody")
        if old_body and new_body:
            if new_body.get("required") and not old_body.get("required"):
                yield Change(where, "request body made required", True)
            yield from self.content(
                where, "request body", old_body["content"], new_body["content"], "request"
            )
        elif new_body and new_body.get("required"):
            yield Change(where, "required request body added", True)
        elif old_body and not new_body:
            yield Change(where, "request body removed", True)
        yield from self.responses(where, old.get("responses", {}), new.get("responses", {}))

    def parameters(
        self, where: str, old: list[dict[str, Any]], new: list[dict[str, Any]]
    ) -> Iterator[Change]:
        olds = {(p["in"], p["name"]): p for p in (self.resolve(p, self.old) for p in old)}
        news = {(p["in"], p["name"]): p for p in (self.resolve(p, self.new) for p in new)}
        for (place, name), param in news.items():
            label = f"{place} parameter {name}"
            if (place, name) not in olds:
                required = bool(param.get("required"))
                yield Change(
                    where, f"{'required' if required else 'optional'} {label} added", required
                )
                continue
            before = olds[(place, name)]
            if param.get("required") and not before.get("required"):
                yield Change(where, f"{label} made required", True)
            yield from self.schema(
                where, label, before.get("schema", {}), param.get("schema", {}), "request"
            )
        for place, name in sorted(olds.keys() - news.keys()):
            yield Change(where, f"{place} parameter {name} removed", True)

    def responses(self, where: str, old: dict[str, Any], new: dict[str, Any]) -> Iterator[Change]:
        for status in {**old, **new}:
            if status not in new:
                yield Change(where, f"response {status} removed", True)
            elif status not in old:
                yield Change(where, f"response {status} added", False)
            else:
                before, after = (
                    self.resolve(old[status], self.old),
                    self.resolve(new[status], self.new),
                )
                old_headers, new_headers = before.get("headers", {}), after.get("headers", {})
                for header in sorted(old_headers.keys() - new_headers.keys()):
                    yield Change(where, f"response {status} header {header} removed", True)
                for header in sorted(new_headers.keys() - old_headers.keys()):
                    yield Change(where, f"response {status} header {header} added", False)
                yield from self.content(
                    where,
                    f"response {status}",
                    before.get("content", {}),
                    after.get("content", {}),
                    "response",
                )

    def content(
        self, where: str, label: str, old: dict[str, Any], new: dict[str, Any], direction: str
    ) -> Iterator[Change]:
        for media in {**old, **new}:
            if media not in new:
                yield Change(where, f"{label} ({media}) removed", True)
            elif media not in old:
                yield Change(where, f"{label} ({media}) added", False)
            else:
                yield from self.schema(
                    where,
                    f"{label} ({media}) body",
                    old[media].get("schema", {}),
                    new[media].get("schema", {}),
                    direction,
                )

    def schema(
        self,
        where: str,
        label: str,
        old: dict[str, Any],
        new: dict[str, Any],
        direction: str,
    ) -> Iterator[Change]:
        yield from self._schema(_Place(where, label, direction == "request"), old, new)

    def _schema(self, at: _Place, old: dict[str, Any], new: dict[str, Any]) -> Iterator[Change]:
        refs = (_named(old), _named(new))
        if refs != ("", "") and refs in at.seen:
            return  # a recursive schema: compared once
        at = at.entered(refs)
        old, new = self.unwrap(old, self.old), self.unwrap(new, self.new)
        for keyword in _COMPOSITES:
            olds, news = old.get(keyword, []), new.get(keyword, [])
            if len(olds) != len(news):
                yield at.change(f"{keyword} changed", True)
                continue
            for before, after in zip(olds, news, strict=True):
                yield from self._schema(at, before, after)
        for key in ("type", "format"):
            if old.get(key) != new.get(key):
                yield at.change(f"{key} changed from {old.get(key)} to {new.get(key)}", True)
        if old.get("nullable") != new.get("nullable"):
            allows = bool(new.get("nullable"))
            what = "null now allowed" if allows else "null no longer allowed"
            yield at.change(what, allows != at.request)
        if "enum" in old or "enum" in new:
            olds, news = old.get("enum", []), new.get("enum", [])
            for value in [v for v in olds if v not in news]:
                yield at.change(f"enum value {value!r} removed", True)
            for value in [v for v in news if v not in olds]:
                yield at.change(f"enum value {value!r} added", not at.request)
        yield from self._properties(at, old, new)
        for key, suffix in (("items", "[]"), ("additionalProperties", "{*}")):
            if isinstance(old.get(key), dict) and isinstance(new.get(key), dict):
                yield from self._schema(at.within(suffix), old[key], new[key])

    def _properties(self, at: _Place, old: dict[str, Any], new: dict[str, Any]) -> Iterator[Change]:
        olds, news = old.get("properties", {}), new.get("properties", {})
        old_required, new_required = set(old.get("required", [])), set(new.get("required", []))
        for name in {**olds, **news}:
            field = at.within(f".{name}")
            if name not in news:
                yield field.about("removed", True)
            elif name not in olds:
                required = name in new_required
                kind = "required" if required else "optional"
                yield Change(at.where, f"{kind} {field.label} added", at.request and required)
            else:
                if at.request and name in new_required - old_required:
                    yield field.about("made required", True)
                if not at.request and name in old_required - new_required:
                    yield field.about("no longer always sent", True)
                yield from self._schema(field, olds[name], news[name])

    @classmethod
    def unwrap(cls, node: dict[str, Any], document: dict[str, Any]) -> dict[str, Any]:
        """The schema a node stands for: its $ref followed, and a lone allOf entry merged in
        (drf-spectacular wraps a $ref in allOf to give it a description)."""
        node = cls.resolve(node, document)
        while len(node.get("allOf", [])) == 1 and "type" not in node:
            inner = cls.resolve(node["allOf"][0], document)
            node = {**inner, **{k: v for k, v in node.items() if k != "allOf"}}
        return node

    @staticmethod
    def resolve(node: dict[str, Any], document: dict[str, Any]) -> dict[str, Any]:
        """A $ref followed to what it names (once; the caller recurses)."""
        while "$ref" in node:
            target: Any = document
            for part in node["$ref"].removeprefix("#/").split("/"):
                target = target[part]
            node = target
        return node
