"""One pagination style for every list: ?limit=&offset=, with count, next and previous."""

from __future__ import annotations

from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request

# Offsets past this can only be empty pages; far larger ones overflow SQLite's integers.
MAX_OFFSET = 1_000_000


class Pagination(LimitOffsetPagination):
    """limit (default 50, at most 100) and offset."""

    default_limit = 50
    max_limit = 100

    def get_offset(self, request: Request) -> int:
        return min(super().get_offset(request), MAX_OFFSET)
