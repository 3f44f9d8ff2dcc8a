"""Reminders and notices: in-app inbox and e-mail, built by `jiliang notify` (docs/notices.md)."""
