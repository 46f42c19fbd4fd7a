"""Every page here is asked about dates relative to the clinic's today: the clock is set."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _clock(clock: Any) -> Any:
    # The quote answers (tests/web/conftest.py's SELF_PAY) start on a fixed date; without the
    # clock set, a run a year later would find it in the past.
    return clock
