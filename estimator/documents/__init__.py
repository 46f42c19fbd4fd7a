"""Printable documents: the quote PDF, the Good Faith Estimate and its PDF, their shared page.

The PDF modules (base, quote_pdf, gfe_pdf) import fpdf2, which brings fontTools and Pillow: about
15 MB in every worker. Code outside this package imports them inside the function that makes a
PDF, so a worker that never makes one never loads them (tests/test_memory.py).
"""
