"""Muniment's record layer: schema, JSON-LD context, importers, serializers, storage and revisions.

Nothing here imports Flask; the server and the CLI call these functions with the configuration they read.
"""
