"""Render a digest to HTML (inline CSS, images by Content-ID) and plain text with Jinja2.

Autoescaping is on for HTML: titles and reasons come from tracker data, which anyone with
write access to the tracker controls.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from app.digests.compose import DigestContent
from app.digests.mailer import InlineImage

STATUS_COLOURS = {"late": "#de350b", "conflict": "#de350b", "at_risk": "#ff8b00"}
BAND_COLOURS = {"below": "#de350b", "within": "#00875a", "above": "#0052cc"}


def pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}%"


def num(value: Any) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return str(value)


def signed(value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"+{num(value)}" if value > 0 else num(value)


def _env(autoescape: bool) -> Environment:
    env = Environment(
        loader=FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=select_autoescape(["html.j2"]) if autoescape else False,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(
        pct=pct,
        num=num,
        signed=signed,
        status_colour=lambda s: STATUS_COLOURS.get(s, "#172b4d"),
        band_colour=lambda b: BAND_COLOURS.get(b, "#172b4d"),
    )
    return env


_HTML = _env(autoescape=True)
_TEXT = _env(autoescape=False)


def render_html(title: str, content: DigestContent) -> str:
    return _HTML.get_template("digest.html.j2").render(title=title, c=content, s=content.sections)


def inline_images(html: str, images: Iterable[InlineImage]) -> str:
    """``html`` with each ``cid:`` image as a ``data:`` URI, so a browser shows the charts
    the e-mail carries as attachments (the preview); the sent e-mail keeps the cids."""
    for image in images:
        uri = "data:image/png;base64," + base64.b64encode(image.png).decode("ascii")
        html = html.replace(f'src="cid:{image.cid}"', f'src="{uri}"')
    return html


def render_text(title: str, content: DigestContent) -> str:
    return _TEXT.get_template("digest.txt.j2").render(title=title, c=content, s=content.sections)
