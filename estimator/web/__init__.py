"""The patient's pages: quote, PDF download, Good Faith Estimate requests."""
