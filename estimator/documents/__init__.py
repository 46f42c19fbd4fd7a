"""Printable documents: the quote PDF, the Good Faith Estimate and its PDF, their shared page."""
