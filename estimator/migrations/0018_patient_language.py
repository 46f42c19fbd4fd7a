"""The patient's language on what is printed or sent later: the estimate, the Good Faith
Estimate request and the estimate email (English for everything kept before).

SQLite rebuilds estimator_estimate to add a NOT NULL column and its record triggers must not be
in the way (0003_estimate_immutability): they are dropped first and created again after.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from django.db import migrations, models

_records = import_module("estimator.migrations.0003_estimate_immutability")


def _on_sqlite(action: Any) -> Any:
    def run(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor == "sqlite":
            action(apps, schema_editor)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("estimator", "0017_webhooks"),
    ]

    operations = [
        migrations.RunPython(
            _on_sqlite(_records.drop_triggers), _on_sqlite(_records.create_triggers)
        ),
        migrations.AddField(
            model_name="estimate",
            name="language",
            field=models.CharField(
                choices=[("en", "English"), ("es", "Español"), ("fr", "Français")],
                default="en",
                help_text="The patient's language: the PDFs and emails of this estimate are in it.",
                max_length=8,
                verbose_name="language",
            ),
        ),
        migrations.AddField(
            model_name="estimateemail",
            name="language",
            field=models.CharField(
                choices=[("en", "English"), ("es", "Español"), ("fr", "Français")],
                default="en",
                help_text="The language the email and its PDF are written in.",
                max_length=8,
                verbose_name="language",
            ),
        ),
        migrations.AddField(
            model_name="goodfaithestimaterequest",
            name="language",
            field=models.CharField(
                choices=[("en", "English"), ("es", "Español"), ("fr", "Français")],
                default="en",
                help_text="The language of the page the patient asked on; the estimate priced from this request and its Good Faith Estimate and email are in it.",
                max_length=8,
                verbose_name="language",
            ),
        ),
        migrations.AddField(
            model_name="historicalestimate",
            name="language",
            field=models.CharField(
                choices=[("en", "English"), ("es", "Español"), ("fr", "Français")],
                default="en",
                help_text="The patient's language: the PDFs and emails of this estimate are in it.",
                max_length=8,
                verbose_name="language",
            ),
        ),
        migrations.AddField(
            model_name="historicalgoodfaithestimaterequest",
            name="language",
            field=models.CharField(
                choices=[("en", "English"), ("es", "Español"), ("fr", "Français")],
                default="en",
                help_text="The language of the page the patient asked on; the estimate priced from this request and its Good Faith Estimate and email are in it.",
                max_length=8,
                verbose_name="language",
            ),
        ),
        migrations.RunPython(
            _on_sqlite(_records.create_triggers), _on_sqlite(_records.drop_triggers)
        ),
    ]
