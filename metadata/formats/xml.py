"""Small helpers every XML serializer uses: namespaced elements whose text is always legal XML 1.0.

The OAI-PMH interface also uses ``clean`` for the values it writes itself (set names, descriptions).
"""
from __future__ import annotations

import re

from lxml import etree

_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")

XSI = "http://www.w3.org/2001/XMLSchema-instance"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def clean(text: str) -> str:
    """``text`` without the characters XML 1.0 forbids (they would make the whole response unparseable)."""
    return _ILLEGAL.sub("", text)


def root(name: str, nsmap: dict, schema_location: str) -> etree._Element:
    element = etree.Element(name, nsmap={**nsmap, "xsi": XSI})
    element.set(f"{{{XSI}}}schemaLocation", schema_location)
    return element


def add(parent: etree._Element, name: str, text: str | None = None, lang: str | None = None,
        **attributes) -> etree._Element:
    element = etree.SubElement(parent, name)
    if text is not None:
        element.text = clean(text)
    if lang:
        element.set(XML_LANG, lang)
    for name, value in attributes.items():
        element.set(name, clean(str(value)))
    return element


def to_string(element: etree._Element) -> str:
    return etree.tostring(element, encoding="unicode")
