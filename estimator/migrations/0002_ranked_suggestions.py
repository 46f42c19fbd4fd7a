"""Rank the treatments suggested for each complaint, so the best match is pre-selected."""

from __future__ import annotations

from typing import Any

import django.db.models.deletion
from django.db import migrations, models


def copy_suggestions(apps: Any, schema_editor: Any) -> None:
    """Keep every existing suggestion, ranked by the treatments' display order."""
    BodyArea = apps.get_model("estimator", "BodyArea")
    Suggestion = apps.get_model("estimator", "Suggestion")
    for area in BodyArea.objects.all():
        services = area.suggested_services_old.order_by("order", "name")
        Suggestion.objects.bulk_create(
            Suggestion(area=area, service=service, rank=rank)
            for rank, service in enumerate(services, start=1)
        )


def copy_back(apps: Any, schema_editor: Any) -> None:
    """Undo: put the suggestions back on the plain many-to-many."""
    Suggestion = apps.get_model("estimator", "Suggestion")
    for row in Suggestion.objects.all():
        row.area.suggested_services_old.add(row.service)


class Migration(migrations.Migration):
    dependencies = [("estimator", "0001_initial")]

    operations = [
        migrations.RenameField("bodyarea", "suggested_services", "suggested_services_old"),
        migrations.AlterField(
            model_name="bodyarea",
            name="suggested_services_old",
            field=models.ManyToManyField(
                blank=True, related_name="+", to="estimator.servicetype"
            ),
        ),
        migrations.CreateModel(
            name="Suggestion",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "rank",
                    models.PositiveSmallIntegerField(
                        default=1,
                        help_text="1 is the best match and is pre-selected on the quote page.",
                    ),
                ),
                (
                    "area",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="suggestions",
                        to="estimator.bodyarea",
                    ),
                ),
                (
                    "service",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="suggestions",
                        to="estimator.servicetype",
                    ),
                ),
            ],
            options={
                "ordering": ["area", "rank", "id"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("area", "service"), name="suggestion_once_per_area"
                    )
                ],
            },
        ),
        migrations.RunPython(copy_suggestions, copy_back),
        migrations.RemoveField("bodyarea", "suggested_services_old"),
        migrations.AddField(
            model_name="bodyarea",
            name="suggested_services",
            field=models.ManyToManyField(
                blank=True,
                help_text="Treatments the quote page suggests for this complaint, best first; "
                "the first active one is pre-selected.",
                related_name="body_areas",
                through="estimator.Suggestion",
                to="estimator.servicetype",
            ),
        ),
    ]
