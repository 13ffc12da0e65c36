"""Where the shared reference material lives (../shared beside the checkout, or MUNIMENT_SHARED_DIR)."""
import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("MUNIMENT_SHARED_DIR", REPO.parent / "shared"))
SEED = SHARED / "seeds" / "000_89ac76005ad71270.txt"
SAMPLE = SHARED / "samples" / "sample-transcript-and-translation.txt"
OAI_SCHEMAS = SHARED / "oai-pmh"
IIIF_SCHEMA = SHARED / "iiif" / "iiif_3_0.json"
JSONLD_DIR = SHARED / "jsonld"
