"""The versioned REST API for billing integrations (mounted at /api/v1/)."""
