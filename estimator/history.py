"""django-simple-history's `instance.history` without a new manager class on every access.

simple_history's HistoryDescriptor builds its manager class with `Manager.from_queryset` each
time `history` is read, and it is read on every save of a tracked model (create_historical_record
asks for it). from_queryset walks the queryset class with inspect.getmembers and makes a class:
≈ 1 ms of CPU on a slow core, per saved row, for the same class every time. This keeps one
class per descriptor; what a read returns (a HistoryManager over the same queryset class, bound
to the instance or to the model) is unchanged. tests/test_history_descriptor.py.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from simple_history.manager import HistoryDescriptor


class KeptHistoryDescriptor(HistoryDescriptor):
    """A HistoryDescriptor whose manager class is made once."""

    def __init__(self, original: HistoryDescriptor) -> None:
        super().__init__(original.model, original.manager_class, original.queryset_class)
        self.manager = original.manager_class.from_queryset(original.queryset_class)

    def __get__(self, instance: Any, owner: Any) -> Any:
        return self.manager(self.model, instance)


def history_descriptors_keep() -> int:
    """Swap every model's history descriptors for kept ones (at app start); how many."""
    swapped = 0
    for model in apps.get_models(include_auto_created=True):
        for name, value in list(vars(model).items()):
            if isinstance(value, HistoryDescriptor) and not isinstance(
                value, KeptHistoryDescriptor
            ):
                setattr(model, name, KeptHistoryDescriptor(value))
                swapped += 1
    return swapped
