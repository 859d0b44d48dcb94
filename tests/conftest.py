"""Shared test settings: a fast hypothesis profile."""

from hypothesis import settings

settings.register_profile("fast", max_examples=40, deadline=None)
settings.load_profile("fast")
