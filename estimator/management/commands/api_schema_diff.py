"""manage.py api_schema_diff: the API schema as the code makes it, against the last release.

Fails on a breaking change that docs/api.md's changelog does not name; reports additive ones.
`--release` writes the current schema as the release (when cutting one: docs/api.md, "Releases").
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer

from estimator.api.schema_diff import schema_diff

ROOT = Path(settings.BASE_DIR)
RELEASED = ROOT / "docs" / "openapi-v1.json"
CHANGELOG = ROOT / "docs" / "api.md"


def schema_current() -> dict[str, Any]:
    """The schema /api/v1/schema/ serves, as the code makes it now."""
    generated = SchemaGenerator(api_version="v1").get_schema(request=None, public=True)
    return dict(json.loads(OpenApiJsonRenderer().render(generated)))


def changelog_text(guide: str) -> str:
    """The "## Changelog" section of the API guide (up to the next "## " heading)."""
    found = re.search(r"^## Changelog\n(.*?)(?=^## |\Z)", guide, flags=re.M | re.S)
    return found.group(1) if found else ""


class Command(BaseCommand):
    """Compare the current API schema with the released one; fail on unnamed breaking changes."""

    help = __doc__

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--released", type=Path, default=RELEASED)
        parser.add_argument("--changelog", type=Path, default=CHANGELOG)
        parser.add_argument(
            "--release", action="store_true", help="Write the current schema as the release."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        current = schema_current()
        released_path: Path = options["released"]
        if options["release"]:
            released_path.write_text(json.dumps(current, indent=2, ensure_ascii=False) + "\n")
            self.stdout.write(f"Wrote {released_path}.")
            return
        released = json.loads(released_path.read_text())
        changelog = changelog_text(options["changelog"].read_text())
        changes = schema_diff(released, current)
        unnamed = [c for c in changes if c.breaking and str(c) not in changelog]
        additive = [c for c in changes if not c.breaking]
        for change in changes:
            if change.breaking and change not in unnamed:
                self.stdout.write(f"breaking, in the changelog: {change}")
        if options["verbosity"] > 1:
            for change in additive:
                self.stdout.write(f"additive: {change}")
        elif additive:
            self.stdout.write(f"{len(additive)} additive changes (-v 2 lists them).")
        if unnamed:
            lines = "\n".join(f"  {change}" for change in unnamed)
            raise CommandError(
                f"Breaking changes to the API since {released_path.name}, not in the changelog "
                f"of {options['changelog'].name}: name each one there (as written here) or undo "
                f"it.\n{lines}"
            )
        self.stdout.write(f"The API schema keeps every promise of {released_path.name}.")
