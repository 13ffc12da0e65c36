"""Fonts for typeset reading pages: a Latin/Cyrillic serif and a CJK font, each overridable by path.

The Makefile installs Debian's fonts-dejavu-core and fonts-noto-cjk; MUNIMENT_FONT_LATIN and
MUNIMENT_FONT_CJK point elsewhere. Without a CJK font, Chinese pages would render as empty boxes, so
``FontSet`` says so loudly rather than draw them.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import ImageFont

LATIN_CANDIDATES = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
]
LATIN_BOLD_CANDIDATES = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
]
CJK_CANDIDATES = [
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
]
CJK_LANGUAGES = {"zh", "ja", "ko"}


class FontMissing(RuntimeError):
    pass


def _first(paths: list[str]) -> str | None:
    return next((p for p in paths if Path(p).is_file()), None)


@lru_cache(maxsize=32)
def _load(path: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size)


@dataclass(frozen=True)
class FontSet:
    latin: str = ""
    cjk: str = ""

    def path(self, language: str, bold: bool = False) -> str:
        if language.split("-")[0] in CJK_LANGUAGES:
            found = self.cjk or _first(CJK_CANDIDATES)
            if not found:
                raise FontMissing("no CJK font: install fonts-noto-cjk (make setup does) or set MUNIMENT_FONT_CJK")
            return found
        if bold and not self.latin:
            found = _first(LATIN_BOLD_CANDIDATES)
            if found:
                return found
        found = self.latin or _first(LATIN_CANDIDATES)
        if not found:
            raise FontMissing("no Latin font: install fonts-dejavu-core (make setup does) or set MUNIMENT_FONT_LATIN")
        return found

    def font(self, language: str, size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
        return _load(self.path(language, bold), size)
