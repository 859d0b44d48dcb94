"""Numeric checks of the paper's claims; each returns Verdicts for the ledger."""
