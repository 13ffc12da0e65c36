"""The measurement behind manifests/pdf.py (issue 9, item 1): the peak memory of PDF libraries writing the reading
PDF of a 1,000,000-character record (603 pages, none alike, 124 MiB), built as the reading.pdf view builds it.
The figures are in manifests/pdf.py's docstring: every library held the whole document, so Muniment keeps its own
writer.

The libraries are not dependencies of Muniment; install them into the venv to measure:
`.venv/bin/pip install img2pdf pikepdf reportlab fpdf2`, then

    python tests/bench/pdf_writers.py prepare DIR           # a database holding the record
    /usr/bin/time -v python tests/bench/pdf_writers.py build WRITER DIR   # "Maximum resident set size"
    python tests/bench/pdf_writers.py check FILE            # reads the PDF back with pypdf, as the tests do

WRITER is one of the ``write_*`` functions below. Each build draws the stored page layouts one at a time and
streams the PDF through ``RenderCache.build`` into a file under its lock; only the writer differs.
"""
from __future__ import annotations

import io
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from manifests import render  # noqa: E402
from manifests.layout import HEIGHT, WIDTH  # noqa: E402

POINTS = (WIDTH * 72 / render.PDF_RESOLUTION, HEIGHT * 72 / render.PDF_RESOLUTION)


def jpegs(pages, fonts):
    """Each page drawn and encoded as the reading.pdf view does, one at a time."""
    for page in pages:
        yield render._encode(render.draw(page, fonts), render.PDF_QUALITY, optimize=False)


def write_none(pages, fonts, out):
    """No PDF: every page drawn and encoded, then dropped; the floor the writers are measured against."""
    for _ in jpegs(pages, fonts):
        pass
    out.write(b"%PDF-1.4 (no pages: the floor of the measurement)")


def write_pdfpy(pages, fonts, out):
    """Muniment's own writer (manifests/pdf.py): one page in memory."""
    render.pdf(pages, fonts, out)


def write_img2pdf(pages, fonts, out, engine=None):
    """img2pdf takes every page's JPEG at once (a list), then writes."""
    import img2pdf
    layout = img2pdf.get_fixed_dpi_layout_fun((render.PDF_RESOLUTION, render.PDF_RESOLUTION))
    kwargs = {"engine": engine} if engine is not None else {}
    img2pdf.convert(list(jpegs(pages, fonts)), layout_fun=layout, outputstream=out, **kwargs)


def write_img2pdf_internal(pages, fonts, out):
    import img2pdf
    write_img2pdf(pages, fonts, out, img2pdf.Engine.internal)


def write_img2pdf_pikepdf(pages, fonts, out):
    import img2pdf
    write_img2pdf(pages, fonts, out, img2pdf.Engine.pikepdf)


def _pikepdf_page(pdf, jpeg):
    import pikepdf
    image = pikepdf.Stream(pdf, jpeg, Type=pikepdf.Name.XObject, Subtype=pikepdf.Name.Image, Width=WIDTH,
                           Height=HEIGHT, ColorSpace=pikepdf.Name.DeviceRGB, BitsPerComponent=8,
                           Filter=pikepdf.Name.DCTDecode)
    content = pikepdf.Stream(pdf, b"q %.4f 0 0 %.4f 0 0 cm /Im0 Do Q" % POINTS)
    page = pikepdf.Dictionary(Type=pikepdf.Name.Page, MediaBox=[0, 0, *POINTS], Contents=content,
                              Resources=pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=image)))
    pdf.pages.append(pikepdf.Page(page))


def write_pikepdf(pages, fonts, out):
    import pikepdf
    pdf = pikepdf.new()
    for jpeg in jpegs(pages, fonts):
        _pikepdf_page(pdf, jpeg)
    pdf.save(out)


def write_pikepdf_chunks_stream(pages, fonts, out):
    """As ``pikepdf_chunks``, the parts opened without memory-mapping them (AccessMode.stream)."""
    write_pikepdf_chunks(pages, fonts, out, mapped=False)


def write_pikepdf_chunks(pages, fonts, out, chunk=50, mapped=True):
    """Pages written 50 at a time to temporary PDFs, then joined into one: the hope was that joining holds page
    objects and reads each image from its part while writing. Measured: the join peaks as high as building
    the whole document in memory."""
    import tempfile
    import pikepdf
    with tempfile.TemporaryDirectory() as scratch:
        parts, part, count = [], None, 0
        for jpeg in jpegs(pages, fonts):
            if part is None:
                part = pikepdf.new()
            _pikepdf_page(part, jpeg)
            count += 1
            if count % chunk == 0:
                parts.append(Path(scratch) / f"{len(parts)}.pdf")
                part.save(parts[-1])
                part.close()
                part = None
        if part is not None:
            parts.append(Path(scratch) / f"{len(parts)}.pdf")
            part.save(parts[-1])
            part.close()
        whole = pikepdf.new()
        mode = {} if mapped else {"access_mode": pikepdf.AccessMode.stream}
        opened = [pikepdf.open(p, **mode) for p in parts]
        for source in opened:
            whole.pages.extend(source.pages)
        whole.save(out)
        for source in opened:
            source.close()


def write_reportlab(pages, fonts, out):
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas
    pdf = canvas.Canvas(out, pagesize=POINTS)
    for jpeg in jpegs(pages, fonts):
        pdf.drawImage(ImageReader(io.BytesIO(jpeg)), 0, 0, *POINTS)
        pdf.showPage()
    pdf.save()


def write_fpdf2(pages, fonts, out):
    from fpdf import FPDF
    pdf = FPDF(unit="pt", format=POINTS)
    pdf.set_auto_page_break(False)
    for jpeg in jpegs(pages, fonts):
        pdf.add_page()
        pdf.image(io.BytesIO(jpeg), 0, 0, *POINTS)
    pdf.output(out)


WRITERS = {name[6:]: f for name, f in globals().items() if name.startswith("write_")}


def prepare(folder: Path) -> None:
    """The benchmark's record (the seed's text repeated to 1,000,000 characters), with a running number after
    every 60th word so that no two pages are the same: writers that store identical images once (reportlab,
    fpdf2) would otherwise be measured on a few dozen distinct images instead of 596."""
    from metadata.storage import migrate
    from server import create_app
    from tests.bench.generate import records

    (record,) = records(1, text_bytes=1_000_000)
    words = record["hasVersion"][0]["text"].split(" ")
    record["hasVersion"][0]["text"] = " ".join(f"{w} ·{n // 60}" if n % 60 == 59 else w for n, w in enumerate(words))
    app = create_app({"DATABASE_URL": f"sqlite:///{folder}/pdf.db", "SECRET_KEY": "x", "DATA_DIR": folder / "loader"})
    store = app.extensions["muniment"]["store"]
    migrate.upgrade(store.engine)
    store.records.save(record, "test")
    print(record["identifier"], len(record["hasVersion"][0]["text"]), "characters")


def build(writer: str, folder: Path) -> None:
    from server import create_app, state
    from server.render_cache import RenderCache
    from server.views.iiif import _fonts

    app = create_app({"DATABASE_URL": f"sqlite:///{folder}/pdf.db", "SECRET_KEY": "x",
                      "DATA_DIR": folder / f"data-{writer}"})
    with app.test_request_context():
        current, text = state.store().serving.get_derived("gen-0000000", "pages")
        fonts = _fonts()
        pages = [p for p in json.loads(text) if p]
        started = time.monotonic()
        handle = RenderCache(folder / f"data-{writer}" / "cache", 2**31).build(
            current.id, current.content_hash, "reading.pdf", lambda out: WRITERS[writer](pages, fonts, out))
        print(f"{writer}: {handle.seek(0, 2) / 2**20:.1f} MiB in {time.monotonic() - started:.0f} s")


def check(path: str) -> None:
    import pypdf
    pages = pypdf.PdfReader(path).pages
    first, last = pages[0], pages[len(pages) - 1]
    print(f"{path}: {len(pages)} pages, {float(first.mediabox.width):.1f} x {float(first.mediabox.height):.1f} pt, "
          f"page images {first.images[0].image.size} ... {last.images[0].image.size}")


if __name__ == "__main__":
    command, *arguments = sys.argv[1:]
    if command == "prepare":
        prepare(Path(arguments[0]))
    elif command == "build":
        build(arguments[0], Path(arguments[1]))
    else:
        check(arguments[0])
