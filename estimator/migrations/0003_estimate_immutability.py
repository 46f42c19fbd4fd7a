"""Issued estimates are records: a superseded status, the link to a correction, custom
permissions, and database triggers that refuse to change or delete an issued, void or
superseded estimate, whatever the code path (ORM, raw SQL, a future bug).

SQLite rebuilds a table for many schema changes and drops its triggers with it: a later
migration that alters estimator_estimate on SQLite must create them again (call
create_triggers). tests/test_estimate_records.py fails if the triggers are gone.
"""

from __future__ import annotations

from typing import Any

import django.db.models.deletion
from django.db import migrations, models

# Frozen here, not imported from the model: a migration must do the same thing forever.
FROZEN_COLUMNS = (
    "reference",
    "clinic_id",
    "source",
    "coverage_mode",
    "plan_id",
    "patient_name",
    "patient_date_of_birth",
    "patient_email",
    "patient_phone",
    "external_reference",
    "diagnosis_codes",
    "start_date",
    "end_date",
    "sessions",
    "total_charge",
    "total_charge_currency",
    "patient_total",
    "patient_total_currency",
    "patient_total_best",
    "patient_total_best_currency",
    "plan_total",
    "plan_total_currency",
    "request_data",
    "snapshot_data",
    "result_data",
    "issued_at",
    "supersedes_id",
    "created_at",
)
LOCKED = "OLD.status IN ('issued', 'void', 'superseded')"
MOVE_ALLOWED = (
    "(NEW.status = OLD.status OR (OLD.status = 'issued' AND NEW.status IN ('void', 'superseded')))"
)
VOIDING = "(OLD.status = 'issued' AND NEW.status = 'void')"
UPDATE_MESSAGE = "estimator: an issued, void or superseded estimate cannot be changed"
# The session types of an estimate (its many-to-many rows) are part of what was priced.
SERVICES_LOCKED = (
    "(SELECT status FROM estimator_estimate WHERE id = {row}.estimate_id) "
    "IN ('issued', 'void', 'superseded')"
)
DELETE_MESSAGE = "estimator: an issued, void or superseded estimate cannot be deleted"


def _changed(columns: tuple[str, ...], differ: str) -> str:
    return " OR ".join(f"NEW.{c} {differ} OLD.{c}" for c in columns)


def _refused_update(differ: str) -> str:
    return (
        f"{LOCKED} AND ({_changed(FROZEN_COLUMNS, differ)} OR NOT {MOVE_ALLOWED} "
        f"OR (NOT {VOIDING} AND ({_changed(('voided_at', 'void_reason'), differ)})))"
    )


SQLITE_CREATE = [
    f"""CREATE TRIGGER estimator_estimate_locked_update BEFORE UPDATE ON estimator_estimate
    FOR EACH ROW WHEN {_refused_update("IS NOT")}
    BEGIN SELECT RAISE(ABORT, '{UPDATE_MESSAGE}'); END""",
    f"""CREATE TRIGGER estimator_estimate_locked_delete BEFORE DELETE ON estimator_estimate
    FOR EACH ROW WHEN {LOCKED}
    BEGIN SELECT RAISE(ABORT, '{DELETE_MESSAGE}'); END""",
    *(
        f"""CREATE TRIGGER estimator_estimate_services_locked_{event.lower()}
        BEFORE {event} ON estimator_estimate_services
        FOR EACH ROW WHEN {SERVICES_LOCKED.format(row=row)}
        BEGIN SELECT RAISE(ABORT, '{UPDATE_MESSAGE}'); END"""
        for event, row in (("INSERT", "NEW"), ("DELETE", "OLD"), ("UPDATE", "OLD"))
    ),
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS estimator_estimate_locked_update",
    "DROP TRIGGER IF EXISTS estimator_estimate_locked_delete",
    "DROP TRIGGER IF EXISTS estimator_estimate_services_locked_insert",
    "DROP TRIGGER IF EXISTS estimator_estimate_services_locked_delete",
    "DROP TRIGGER IF EXISTS estimator_estimate_services_locked_update",
]
# SQLSTATE 23000 (integrity_constraint_violation): Django raises IntegrityError on both
# databases, as for a CHECK constraint.
POSTGRESQL_CREATE = [
    f"""CREATE OR REPLACE FUNCTION estimator_estimate_locked() RETURNS trigger AS $$
    BEGIN
        IF TG_OP = 'DELETE' THEN
            IF {LOCKED} THEN
                RAISE EXCEPTION '{DELETE_MESSAGE} (%)', OLD.reference
                    USING ERRCODE = 'integrity_constraint_violation';
            END IF;
            RETURN OLD;
        END IF;
        IF {_refused_update("IS DISTINCT FROM")} THEN
            RAISE EXCEPTION '{UPDATE_MESSAGE} (%)', OLD.reference
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN NEW;
    END;
    $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER estimator_estimate_locked BEFORE UPDATE OR DELETE ON estimator_estimate
    FOR EACH ROW EXECUTE FUNCTION estimator_estimate_locked()""",
    f"""CREATE OR REPLACE FUNCTION estimator_estimate_services_locked() RETURNS trigger AS $$
    BEGIN
        IF (TG_OP <> 'DELETE' AND {SERVICES_LOCKED.format(row="NEW")})
            OR (TG_OP <> 'INSERT' AND {SERVICES_LOCKED.format(row="OLD")}) THEN
            RAISE EXCEPTION '{UPDATE_MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        RETURN NEW;
    END;
    $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER estimator_estimate_services_locked
    BEFORE INSERT OR UPDATE OR DELETE ON estimator_estimate_services
    FOR EACH ROW EXECUTE FUNCTION estimator_estimate_services_locked()""",
]
POSTGRESQL_DROP = [
    "DROP TRIGGER IF EXISTS estimator_estimate_locked ON estimator_estimate",
    "DROP FUNCTION IF EXISTS estimator_estimate_locked()",
    "DROP TRIGGER IF EXISTS estimator_estimate_services_locked ON estimator_estimate_services",
    "DROP FUNCTION IF EXISTS estimator_estimate_services_locked()",
]
TRIGGERS = {
    "sqlite": (SQLITE_CREATE, SQLITE_DROP),
    "postgresql": (POSTGRESQL_CREATE, POSTGRESQL_DROP),
}


def create_triggers(apps: Any, schema_editor: Any) -> None:
    """The triggers for this database; other databases get none (the model still refuses)."""
    create, _drop = TRIGGERS.get(schema_editor.connection.vendor, ([], []))
    for statement in create:
        schema_editor.execute(statement, params=None)


def drop_triggers(apps: Any, schema_editor: Any) -> None:
    """Undo create_triggers."""
    _create, drop = TRIGGERS.get(schema_editor.connection.vendor, ([], []))
    for statement in drop:
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):

    dependencies = [
        ('estimator', '0002_ranked_suggestions'),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='estimate',
            options={'ordering': ['-created_at', '-id'], 'permissions': [('issue_estimate', 'Can issue estimates to patients'), ('void_estimate', 'Can void estimates'), ('supersede_estimate', 'Can correct issued estimates with a superseding estimate')]},
        ),
        migrations.AlterModelOptions(
            name='goodfaithestimaterequest',
            options={'ordering': ['-created_at', '-id'], 'permissions': [('handle_gfe_request', 'Can handle Good Faith Estimate requests')], 'verbose_name': 'Good Faith Estimate request'},
        ),
        migrations.AddField(
            model_name='estimate',
            name='supersedes',
            field=models.OneToOneField(blank=True, editable=False, help_text='The issued estimate this one corrects.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='superseded_by', to='estimator.estimate'),
        ),
        migrations.AddField(
            model_name='historicalestimate',
            name='supersedes',
            field=models.ForeignKey(blank=True, db_constraint=False, editable=False, help_text='The issued estimate this one corrects.', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='estimator.estimate'),
        ),
        migrations.AlterField(
            model_name='estimate',
            name='status',
            field=models.CharField(choices=[('draft', 'Draft'), ('issued', 'Issued to the patient'), ('void', 'Void'), ('superseded', 'Superseded by a correction')], default='draft', max_length=12),
        ),
        migrations.AlterField(
            model_name='historicalestimate',
            name='status',
            field=models.CharField(choices=[('draft', 'Draft'), ('issued', 'Issued to the patient'), ('void', 'Void'), ('superseded', 'Superseded by a correction')], default='draft', max_length=12),
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
