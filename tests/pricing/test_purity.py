"""estimator.pricing must stay pure: no Django, django-money or DRF, loaded or imported."""

import ast
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "estimator" / "pricing"
FORBIDDEN = ("django", "djmoney", "rest_framework")


def test_importing_the_engine_loads_no_web_framework():
    code = "import sys, estimator.pricing; print('\\n'.join(sorted(sys.modules)))"
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env["PYTHONPATH"] = str(ROOT)
    result = subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    loaded = result.stdout.split()
    assert "estimator.pricing" in loaded
    assert [m for m in loaded if m.split(".")[0] in FORBIDDEN] == []


def test_engine_source_imports_no_web_framework():
    offending = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            offending += [f"{path.name}: {n}" for n in names if n.split(".")[0] in FORBIDDEN]
    assert offending == []
