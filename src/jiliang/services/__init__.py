"""Public service platform: online applications, approvals and filing (issue 16 §1)."""
