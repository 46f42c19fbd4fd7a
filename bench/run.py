"""Runs every benchmark in bench/ and prints their figures (make bench)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    """Run each bench_*.py in its own interpreter; fail if one fails."""
    status = 0
    for script in sorted(HERE.glob("bench_*.py")):
        print(f"\n## {script.name}", flush=True)
        status |= subprocess.call([sys.executable, str(script)])  # noqa: S603
    return status


if __name__ == "__main__":
    sys.exit(main())
