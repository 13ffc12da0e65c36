"""Drawing reading pages: the stored layout of one page to a JPEG at one of the sizes the service lists.

Rendering is deterministic (same layout, same fonts, same bytes), so any app server can redo it; the server
caches the result per revision.
"""
from __future__ import annotations

import io
from collections.abc import Iterable
from typing import BinaryIO

from PIL import Image, ImageDraw

from . import pdf as pdf_writer
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
    return _encode(image)


def scaled(source: bytes, size: tuple[int, int]) -> bytes:
    """A stored page image (JPEG) scaled down to ``size``: how sizes the service does not list are served,
    in memory, so no client can make the server draw and keep images of sizes it chooses."""
    with Image.open(io.BytesIO(source)) as image:
        return _encode(image.convert("RGB").resize(size, Image.Resampling.LANCZOS))


def _encode(image: Image.Image, quality: int = 85, optimize: bool = True) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality, optimize=optimize)
    return out.getvalue()


PDF_RESOLUTION = 120.0  # pixels per inch: a 1000-pixel-wide page prints about A4 wide
# Pillow's own PDF writer used quality 75 without the optimising pass: the same size of file, and a third of
# the encoding time of the web images' settings, which matters at a thousand pages.
PDF_QUALITY = 75


def pdf(pages: Iterable[dict], fonts: FontSet, out: BinaryIO) -> int:
    """The reading text as a PDF of its page images, written to ``out`` as each page is drawn (one page in
    memory at a time, however long the record). Returns the number of pages."""
    images = ((_encode(draw(page, fonts), PDF_QUALITY, optimize=False), WIDTH, HEIGHT) for page in pages)
    return pdf_writer.write(out, images, PDF_RESOLUTION)
