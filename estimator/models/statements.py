"""Statements the ORM compiles once per connection instead of on every call, for the hot paths.

A stored estimate spent ≈ 0.45 of the worker's 2.45 ms (in process) on the ORM turning the same
INSERTs (the estimate's 40 columns, its history row's 30, the link rows) into SQL again and on
reading the key and the webhook endpoints through `raw()`, which works out the model's columns
and converters on every call.
Here the ORM still writes the statement and still converts every value — the SQL is the
compiler's own, made the first time, and each value goes through the field's `pre_save` and
`get_db_prep_save` as before; what is kept per connection is the text and the converters.
Anything that would make the ORM write different SQL (an expression as a value, a field with
a placeholder of its own, a backend that cannot return columns) goes through the ORM as before.
tests/api/test_statements.py holds both paths to the same statements and rows.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import connections, models, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.sql import InsertQuery
from django.db.models.sql.compiler import SQLCompiler

M = TypeVar("M", bound=models.Model)


@dataclass(frozen=True)
class _Insert:
    sql: str
    returning_params: tuple[Any, ...]
    compiler: SQLCompiler
    converters: dict[int, Any]


@dataclass(frozen=True)
class _Read:
    names: tuple[str, ...]
    compiler: SQLCompiler
    converters: dict[int, Any]


# Per database connection (Django's are per thread): a compiler and its converters belong to it.
_plans: weakref.WeakKeyDictionary[BaseDatabaseWrapper, dict[Any, Any]] = weakref.WeakKeyDictionary()


def _kept(connection: BaseDatabaseWrapper) -> dict[Any, Any]:
    kept = _plans.get(connection)
    if kept is None:
        kept = _plans[connection] = {}
    return kept


def _is_expression(value: Any) -> bool:
    return hasattr(value, "resolve_expression")


def _insert_plan(
    objs: Sequence[models.Model],
    connection: BaseDatabaseWrapper,
    fields: tuple[models.Field[Any, Any], ...],
    returning_fields: tuple[models.Field[Any, Any], ...],
    raw: bool,
) -> _Insert | None:
    if returning_fields and (
        len(objs) != 1 or not connection.features.can_return_columns_from_insert
    ):
        return None
    # With no expression among the values, the compiler gives each field a plain placeholder
    # unless the field makes its own (e.g. geometry fields): then the ORM stays in charge.
    if any(hasattr(field, "get_placeholder") for field in fields):
        return None
    model = type(objs[0])
    query = InsertQuery(model)
    query.insert_values(list(fields), list(objs), raw=raw)
    compiler = query.get_compiler(connection=connection)
    compiler.returning_fields = list(returning_fields)
    statements = compiler.as_sql()
    if len(statements) != 1 or len(statements[0][1]) != len(fields) * len(objs):
        return None
    columns = [field.get_col(model._meta.db_table) for field in returning_fields]
    return _Insert(
        sql=statements[0][0],
        returning_params=tuple(compiler.returning_params),
        compiler=compiler,
        converters=compiler.get_converters(columns) if columns else {},
    )


def insert_compiled(
    objs: Sequence[models.Model],
    *,
    using: str,
    fields: Sequence[models.Field[Any, Any]],
    returning_fields: Sequence[models.Field[Any, Any]] | None = None,
    raw: bool = False,
) -> list[tuple[Any, ...]] | None:
    """INSERT objs (one model's) as the ORM would, with the statement compiled once.

    Returns what Model._do_insert returns (the returned columns' rows, converted), or None
    when the ORM must do it (the caller then does). Values are taken as the compiler takes
    them: each field's pre_save (add=True; the attribute as it is when raw), then its
    get_db_prep_save.
    """
    if not objs:
        return []
    fields = tuple(fields)
    returning = tuple(returning_fields or ())
    values = [
        [getattr(obj, field.attname) if raw else field.pre_save(obj, True) for field in fields]
        for obj in objs
    ]
    if any(_is_expression(value) for row in values for value in row):
        return None
    connection = connections[using]
    kept = _kept(connection)
    key = ("insert", type(objs[0]), fields, returning, raw, len(objs))
    if key in kept:
        plan = kept[key]
    else:
        plan = kept[key] = _insert_plan(objs, connection, fields, returning, raw)
    if plan is None:
        return None
    params = [
        field.get_db_prep_save(value, connection=connection)
        for row in values
        for field, value in zip(fields, row, strict=True)
    ]
    with connection.cursor() as cursor:
        cursor.execute(plan.sql, params)
        if not returning:
            return []
        rows = [connection.ops.fetch_returned_insert_columns(cursor, plan.returning_params)]
    if plan.converters:
        rows = list(plan.compiler.apply_converters(rows, plan.converters))
    return [tuple(row) for row in rows]


class CompiledInsert(models.Model):
    """A model whose single-row INSERT (save() of a new row) is compiled once per connection.

    save() is otherwise unchanged: signals, pre_save (auto_now), the returned primary key.
    """

    class Meta:
        abstract = True

    def _do_insert(
        self,
        manager: models.Manager[Any],
        using: str,
        fields: Sequence[models.Field[Any, Any]],
        returning_fields: Sequence[models.Field[Any, Any]],
        raw: bool,
    ) -> Any:
        rows = insert_compiled(
            [self], using=using, fields=fields, returning_fields=returning_fields, raw=raw
        )
        if rows is None:
            return super()._do_insert(manager, using, fields, returning_fields, raw)  # type: ignore[misc]
        return rows


def read_models(model: type[M], sql: str, params: Sequence[Any]) -> list[M]:
    """model instances from a fixed SELECT of some of its columns (in its field order), with
    the ORM's converters, as `model.objects.raw(sql, params)` gives them; the columns' fields
    and converters are worked out once per connection and statement. Columns the SELECT does
    not name are deferred, as with raw()."""
    using = router.db_for_read(model)
    connection = connections[using]
    kept = _kept(connection)
    key = ("read", model, sql)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        plan = kept.get(key)
        if plan is None:
            by_column = {field.column: field for field in model._meta.concrete_fields}
            fields = tuple(by_column[column[0]] for column in cursor.description)
            order = [model._meta.concrete_fields.index(field) for field in fields]
            if order != sorted(order):  # from_db places the values it is given in this order
                raise ValueError(f"Name {model.__name__}'s columns in its fields' order: {sql}")
            compiler = model._base_manager.none().query.get_compiler(connection=connection)
            columns = [field.get_col(model._meta.db_table) for field in fields]
            plan = kept[key] = _Read(
                names=tuple(field.attname for field in fields),
                compiler=compiler,
                converters=compiler.get_converters(columns),
            )
        rows: Any = cursor.fetchall()
    if plan.converters:
        rows = plan.compiler.apply_converters(rows, plan.converters)
    return [model.from_db(using, plan.names, tuple(row)) for row in rows]
