"""What every rendered chart must be: a valid SVG and PNG carrying the expected title."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

import matplotlib.image

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SVG = "{http://www.w3.org/2000/svg}"


def svg_texts(svg: bytes) -> list[str]:
    """The text of every <text> element of an SVG whose root is <svg>."""
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]


def check_chart(svg: bytes, png: bytes, title: str) -> None:
    """The SVG parses with an <svg> root and shows ``title`` as one text; the PNG (the same
    chart, drawn from the same body and title) has the signature and decodes to a sane size."""
    assert title in svg_texts(svg), (title, svg_texts(svg)[:3])
    assert png.startswith(PNG_SIGNATURE)
    height, width = matplotlib.image.imread(io.BytesIO(png), format="png").shape[:2]
    assert width >= 400 and height >= 250, (width, height)
