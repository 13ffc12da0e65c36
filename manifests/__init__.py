"""IIIF Presentation 3.0 resources built from records: reading-page layout, page images, manifests.

No Flask here: the server hands in the options it read from configuration (provider, fonts).
"""
