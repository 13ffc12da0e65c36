"""Rights statements an archivist can pick: RightsStatements.org and Creative Commons, by their http URIs."""
from __future__ import annotations

RIGHTS_STATEMENTS = {
    "InC": "In Copyright",
    "InC-OW-EU": "In Copyright - EU Orphan Work",
    "InC-EDU": "In Copyright - Educational Use Permitted",
    "InC-NC": "In Copyright - Non-Commercial Use Permitted",
    "InC-RUU": "In Copyright - Rights-holder(s) Unlocatable or Unidentifiable",
    "NoC-CR": "No Copyright - Contractual Restrictions",
    "NoC-NC": "No Copyright - Non-Commercial Use Only",
    "NoC-OKLR": "No Copyright - Other Known Legal Restrictions",
    "NoC-US": "No Copyright - United States",
    "CNE": "Copyright Not Evaluated",
    "UND": "Copyright Undetermined",
    "NKC": "No Known Copyright",
}
CREATIVE_COMMONS = {
    "licenses/by/4.0/": "Creative Commons Attribution 4.0 International",
    "licenses/by-sa/4.0/": "Creative Commons Attribution-ShareAlike 4.0 International",
    "licenses/by-nd/4.0/": "Creative Commons Attribution-NoDerivatives 4.0 International",
    "licenses/by-nc/4.0/": "Creative Commons Attribution-NonCommercial 4.0 International",
    "licenses/by-nc-sa/4.0/": "Creative Commons Attribution-NonCommercial-ShareAlike 4.0 International",
    "licenses/by-nc-nd/4.0/": "Creative Commons Attribution-NonCommercial-NoDerivatives 4.0 International",
    "publicdomain/zero/1.0/": "CC0 1.0 Universal (Public Domain Dedication)",
    "publicdomain/mark/1.0/": "Public Domain Mark 1.0",
}


def choices() -> list[tuple[str, str]]:
    """(URI, label) for every statement the schema accepts in its 4.0 / 1.0 forms, for pickers."""
    return ([(f"http://rightsstatements.org/vocab/{k}/1.0/", v) for k, v in RIGHTS_STATEMENTS.items()]
            + [(f"http://creativecommons.org/{k}", v) for k, v in CREATIVE_COMMONS.items()])


def label_for(uri: str) -> str:
    for choice_uri, label in choices():
        if choice_uri == uri:
            return label
    if uri.startswith("http://creativecommons.org/licenses/"):
        return "Creative Commons " + uri.split("/licenses/", 1)[1].strip("/").replace("/", " ").upper()
    return uri
