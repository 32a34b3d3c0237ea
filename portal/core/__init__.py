"""Shared base pieces: request ids, logging, database checks, base templates and static files."""
