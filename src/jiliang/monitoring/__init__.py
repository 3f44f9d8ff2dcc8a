"""Online energy monitoring of key energy users and carbon accounts (issue 14)."""
