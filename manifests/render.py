"""Drawing reading pages: the stored layout of one page to a JPEG at one of the sizes the service lists.

Rendering is deterministic (same layout, same fonts, same bytes), so any app server can redo it; the server
caches the result per revision.
"""
from __future__ import annotations

import io

from PIL import Image, ImageDraw

from .fonts import FontSet
from .layout import FONT_SIZE, HEADING_SIZE, HEIGHT, LINE_HEIGHT, MARGIN, WIDTH

SIZES = [(250, round(HEIGHT * 250 / WIDTH)), (500, round(HEIGHT * 500 / WIDTH)), (WIDTH, HEIGHT)]
INK, MARKER_INK, PAPER = (25, 25, 25), (120, 120, 120), (253, 251, 245)


def draw(page: dict, fonts: FontSet) -> Image.Image:
    """The full-size page image of one stored layout page."""
    image = Image.new("RGB", (WIDTH, HEIGHT), PAPER)
    pen = ImageDraw.Draw(image)
    language = page["language"]
    body = fonts.font(language, FONT_SIZE)
    bold = fonts.font(language, HEADING_SIZE, bold=True)
    for row, (style, text) in enumerate(page["lines"]):
        if not text:
            continue
        y = MARGIN + row * LINE_HEIGHT
        font = bold if style == "h" else body
        pen.text((MARGIN, y), text, font=font, fill=MARKER_INK if style == "marker" else INK)
    return image


def jpeg(page: dict, fonts: FontSet, size: tuple[int, int]) -> bytes:
    image = draw(page, fonts)
    if size != (WIDTH, HEIGHT):
        image = image.resize(size, Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85, optimize=True)
    return out.getvalue()


def pdf(pages: list[dict], fonts: FontSet) -> bytes:
    """The reading text as a PDF of its page images."""
    images = [draw(page, fonts) for page in pages]
    out = io.BytesIO()
    images[0].save(out, "PDF", save_all=True, append_images=images[1:], resolution=120.0)
    return out.getvalue()
