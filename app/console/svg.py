"""Charts inline in a page: the API's own chart drawings (app.charts.draw), as SVG text.

The drawing is the one the chart endpoints serve, so a page's chart is the API's chart; it is
kept by content (the body, chart and title), so a page loaded again costs no drawing.
"""

from __future__ import annotations

import re
from typing import Any

from markupsafe import Markup

from app.charts.draw import draw_chart
from app.render import etag_for
from app.reports.cache import LRUCache

_DRAWN: LRUCache[str] = LRUCache(size=64)
_PROLOG = re.compile(r"^.*?(?=<svg\b)", re.DOTALL)


def inline_chart(name: str, body: dict[str, Any], title: str) -> Markup:
    """Chart ``name`` of ``body`` as an ``<svg>`` element to place in HTML, named for
    screen readers by its title."""
    key = etag_for({"chart": name, "title": title, "body": body})

    def draw() -> str:
        text = draw_chart(name, body, title, "svg").decode()
        text = _PROLOG.sub("", text, count=1)
        label = Markup.escape(title)
        return text.replace("<svg ", f'<svg role="img" aria-label="{label}" class="chart" ', 1)

    return Markup(_DRAWN.get_or_compute(key, draw))  # matplotlib's own SVG, names escaped
