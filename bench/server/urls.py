"""The product's URLs plus /bench/noop, mounted only when the benchmark serves the app.

/bench/noop is the framework's own ceiling on this machine: a DRF view that authenticates
nobody, checks nothing, limits nothing, reads no database and answers a tiny JSON body, through
the same middleware, gunicorn and workers as every product endpoint.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.urls import path
from django.utils.decorators import method_decorator
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.urls import handler400, handler404, handler500
from config.urls import urlpatterns as product_urlpatterns


@method_decorator(transaction.non_atomic_requests, name="dispatch")
class Noop(APIView):
    """Answers {"ok": true} and does nothing else."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    throttle_classes: list[Any] = []

    def get(self, request: Request) -> Response:
        return Response({"ok": True})


urlpatterns = [path("bench/noop", Noop.as_view()), *product_urlpatterns]
__all__ = ["handler400", "handler404", "handler500", "urlpatterns"]
