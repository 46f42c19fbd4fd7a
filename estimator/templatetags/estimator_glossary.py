"""{{ text|glossary }}: the page's words linked to their plain meaning."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from estimator.web.glossary import glossary_links

register = template.Library()


@register.filter
def glossary(text: object) -> SafeString:
    """Escape the text and link each glossary word's first mention."""
    return glossary_links(str(text))
