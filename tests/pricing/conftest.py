"""Engine tests: no database, no Django. Builders live in builders.py next to this file."""

import sys
from pathlib import Path

# builders.py is imported by name, and the repo root must be importable even when the
# Django plugin (which would add it) is disabled with -p no:django.
HERE = Path(__file__).resolve().parent
for path in (HERE, HERE.parent.parent):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))
