"""The ledger app."""
