"""The vocabulary every producer and every report shares: statuses, outcomes and verdicts, claims and their
sub-statements, findings, the check registry, audit rows, the ledger's and audit table's result rows and statistics
types. It imports nothing above it."""
