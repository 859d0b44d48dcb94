"""Presentation, on top of the producers: the claims ledger, the audit table and its coverage, the errata, the
claims report and the notebooks' runner; it reads what the producers stored and writes reports/ and docs/."""
