"""Numeric verification: the registered numeric and exact checks of `verify` (checks/) and conformance of losses."""
