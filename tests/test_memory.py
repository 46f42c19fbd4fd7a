"""What a worker loads: the PDF library only when a PDF is made (≈ 15 MB per worker otherwise).

Measured in a fresh interpreter, as a gunicorn worker starts: the URLs, admin, API, pages and
emails imported, and no fpdf2, fontTools or Pillow until something asks for a PDF.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PROBE = """
import json, sys
from config.wsgi import application
import config.urls, estimator.admin, estimator.api.views, estimator.web.views, estimator.emails
import estimator.tasks, estimator.web.patient_links
heavy = ("fpdf", "fontTools", "PIL")
before = [name for name in heavy if name in sys.modules]
from estimator.documents.stored import stored_document  # a PDF's first use brings them in
from estimator.documents import quote_pdf
print(json.dumps({"before": before, "after": [name for name in heavy if name in sys.modules]}))
"""


def test_a_worker_loads_the_pdf_library_only_to_make_a_pdf():
    done = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={"DJANGO_SETTINGS_MODULE": "config.settings.test", "PATH": "/usr/bin:/bin"},
    )
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert loaded["before"] == []
    assert set(loaded["after"]) == {"fpdf", "fontTools", "PIL"}
