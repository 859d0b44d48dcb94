"""Verification: claims, the verdict engine, numeric checks, ledger and audit, report and notebooks, conformance."""
