"""A PDF of JPEG page images, written to a file one page at a time.

Pillow's PDF writer keeps every page image in memory until the end (``save_all``) or re-reads the whole file
for each appended page (``append=True``), which costs memory or time quadratic in the pages for a
1,000-page record. A PDF whose pages are each one JPEG (a DCTDecode image XObject) is simple enough to write
directly: each page's objects go out as soon as the page is drawn, only their byte offsets are remembered,
and the page tree and cross-reference table are written at the end. Memory stays at one page.

Why this is written here and not by a library (the project's rule is a well-kept library made for the job):
none of the PDF libraries measured writes a page out as it is added: each holds every page's image until the
end, so memory grows with the page count. Measured on 2026-11-30 with `tests/bench/pdf_writers.py` (the reading PDF
of a 1,000,000-character record with no two pages alike, 603 pages, 124 MiB, drawn and streamed into the
render cache as the reading.pdf view does; peak resident size of the process under `/usr/bin/time -v`):

    no PDF at all (pages drawn and dropped: the floor)      130 MiB
    this module                                              130 MiB   (+0)
    img2pdf 0.6.3, internal engine                           253 MiB   (+123)
    img2pdf 0.6.3, pikepdf engine                            375 MiB   (+245)
    pikepdf 10.18 (qpdf), one document                       274 MiB   (+144)
    pikepdf, 50-page parts written to files, then joined     255 MiB   (+124)
    fpdf2 2.8.9                                              391 MiB   (+261)
    reportlab 5.1.0                                          671 MiB   (+541)

Every output read back with pypdf (603 full-size page images). A worker starts near 90 MiB, so the best of
them would put one 600-page build near 215 MiB and a 1,000-page one near 295 MiB, and two builds at once in
one threaded worker past 300 MiB; this module keeps every build at one page whatever the record's length.
(On the benchmark's own record, whose pages repeat, fpdf2 and reportlab store each distinct image once and
look far smaller: 159 and 447 MiB. Hence the distinct pages.)
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
