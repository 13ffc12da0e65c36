"""Who catalogues: the MARC organization code that MARC 003/040 and MODS recordContentSource name.

It comes from configuration (``MUNIMENT_CATALOGING_AGENCY``); this module keeps its default and its syntax,
so the configuration reader and the serializers agree on both.
"""
from __future__ import annotations

import re

DEFAULT_AGENCY = "muniment"
# MARC Code List for Organizations: letters first, then letters, digits, hyphens or colons (e.g. "UkLeU", "DLC").
AGENCY_CODE = re.compile(r"^[A-Za-z][A-Za-z0-9:-]{0,15}$")
CATALOGUING_LANGUAGE = "eng"  # the language notes, relator terms and RDA statements are written in
