"""Home dashboards per role, the global search, the menu and the number filters of pages."""
