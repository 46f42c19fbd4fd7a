"""Production settings, with the benchmark's URLs (the product's plus a do-nothing view)."""

from __future__ import annotations

from config.settings.production import *  # noqa: F403

ROOT_URLCONF = "bench.server.urls"
