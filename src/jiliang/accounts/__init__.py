"""Users, their institution and role, API tokens, and the change log."""
