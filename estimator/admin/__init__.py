"""The clinic administrator's UI, one module per area."""

from . import catalog, estimates, insurance, jobs, reconciliation, webhooks

__all__ = ["catalog", "estimates", "insurance", "jobs", "reconciliation", "webhooks"]
