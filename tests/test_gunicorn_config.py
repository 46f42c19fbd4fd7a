"""config/gunicorn.py: each worker leaves what the app made at start out of garbage collection."""

from __future__ import annotations

import gc
import importlib.util
from pathlib import Path
from typing import Any

import pytest

CONFIG = Path(__file__).resolve().parent.parent / "config" / "gunicorn.py"


def _config() -> Any:
    spec = importlib.util.spec_from_file_location("gunicorn_config", CONFIG)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def unfrozen() -> Any:
    gc.unfreeze()
    yield
    gc.unfreeze()


@pytest.mark.parametrize(("setting", "frozen"), [(None, True), ("false", False), ("true", True)])
def test_a_started_worker_freezes_what_the_app_made(
    monkeypatch: pytest.MonkeyPatch, unfrozen: Any, setting: str | None, frozen: bool
) -> None:
    if setting is None:
        monkeypatch.delenv("GUNICORN_GC_FREEZE", raising=False)
    else:
        monkeypatch.setenv("GUNICORN_GC_FREEZE", setting)
    assert gc.get_freeze_count() == 0
    _config().post_worker_init(object())
    assert (gc.get_freeze_count() > 0) is frozen
    assert gc.isenabled()  # requests' own objects are still collected
