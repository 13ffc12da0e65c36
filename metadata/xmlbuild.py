"""Small helpers every XML serializer uses: namespaced elements whose text is always legal XML 1.0."""
from __future__ import annotations

from lxml import etree

from .xmltext import clean

XSI = "http://www.w3.org/2001/XMLSchema-instance"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


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
