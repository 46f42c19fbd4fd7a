"""Deployment checks of our own settings (manage.py check --deploy, which make serve-prod runs)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import CheckMessage, Tags, Warning, register


@register(Tags.security, deploy=True)
def public_url_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """The links emailed to patients must reach the service, over HTTPS."""
    url = urlsplit(settings.ESTIMATOR_PUBLIC_URL)
    if url.scheme == "https" and url.hostname not in (None, "localhost", "127.0.0.1", "::1"):
        return []
    return [
        Warning(
            f"ESTIMATOR_PUBLIC_URL is {settings.ESTIMATOR_PUBLIC_URL!r}: the links in patients' "
            "emails would not reach this service.",
            hint="Set ESTIMATOR_PUBLIC_URL to the address patients use, e.g. "
            "https://estimates.example-clinic.com.",
            id="estimator.W001",
        )
    ]
