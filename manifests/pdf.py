"""A PDF of JPEG page images, written to a file one page at a time.

Pillow's PDF writer keeps every page image in memory until the end (``save_all``) or re-reads the whole file
for each appended page (``append=True``), which costs memory or time quadratic in the pages for a
1,000-page record. A PDF whose pages are each one JPEG (a DCTDecode image XObject) is simple enough to write
directly: each page's objects go out as soon as the page is drawn, only their byte offsets are remembered,
and the page tree and cross-reference table are written at the end. Memory stays at one page.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import BinaryIO

# Object numbers: 1 catalog, 2 page tree, then three per page (page, content stream, image).
CATALOG, PAGES, FIRST_PAGE_OBJECT = 1, 2, 3


class _Writer:
    def __init__(self, out: BinaryIO):
        self.out = out
        self.offsets: dict[int, int] = {}
        self.position = 0

    def write(self, data: bytes) -> None:
        self.out.write(data)
        self.position += len(data)

    def object(self, number: int, body: bytes, stream: bytes | None = None) -> None:
        self.offsets[number] = self.position
        self.write(b"%d 0 obj\n" % number + body)
        if stream is not None:
            self.write(b"\nstream\n")
            self.write(stream)
            self.write(b"\nendstream")
        self.write(b"\nendobj\n")


def write(out: BinaryIO, pages: Iterable[tuple[bytes, int, int]], resolution: float = 72.0) -> int:
    """Write a PDF of ``pages`` (JPEG bytes, pixel width, pixel height; RGB) to ``out``, each page sized so
    the image has ``resolution`` pixels per inch. Returns the number of pages."""
    writer = _Writer(out)
    writer.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    count = 0
    for jpeg, width, height in pages:
        page, content, image = (FIRST_PAGE_OBJECT + 3 * count + k for k in range(3))
        points = (width * 72.0 / resolution, height * 72.0 / resolution)
        writer.object(image, b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceRGB "
                             b"/BitsPerComponent 8 /Filter /DCTDecode /Length %d >>" % (width, height, len(jpeg)),
                      jpeg)
        drawing = b"q %.4f 0 0 %.4f 0 0 cm /Im0 Do Q" % points
        writer.object(content, b"<< /Length %d >>" % len(drawing), drawing)
        writer.object(page, b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %.4f %.4f] /Contents %d 0 R "
                            b"/Resources << /XObject << /Im0 %d 0 R >> >> >>" % (PAGES, *points, content, image))
        count += 1
    if count == 0:
        raise ValueError("a PDF needs at least one page")
    kids = b" ".join(b"%d 0 R" % (FIRST_PAGE_OBJECT + 3 * n) for n in range(count))
    writer.object(PAGES, b"<< /Type /Pages /Count %d /Kids [%s] >>" % (count, kids))
    writer.object(CATALOG, b"<< /Type /Catalog /Pages %d 0 R >>" % PAGES)
    total = FIRST_PAGE_OBJECT + 3 * count
    xref = writer.position
    writer.write(b"xref\n0 %d\n0000000000 65535 f \n" % total)
    for number in range(1, total):
        writer.write(b"%010d 00000 n \n" % writer.offsets[number])
    writer.write(b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (total, CATALOG, xref))
    return count
