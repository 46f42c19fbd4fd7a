"""The engine's English sentences, said in the reader's language with the page's formats.

The engine (estimator.pricing, pure Python) writes its assumptions, warnings and adjustment
reasons in English; the API returns them so. Pages and documents pass each one through say(),
which gives it in the active language with that language's money, date and percent formats.
"""

from __future__ import annotations

from estimator.formatting import plain_figures


def say(sentence: str, currency: str) -> str:
    """The engine's sentence in the active language, figures in the page's formats.

    Until every engine sentence is registered with its template this returns the English
    sentence with the page's formats (interface in place for pages and documents).
    """
    return plain_figures(sentence, currency)
