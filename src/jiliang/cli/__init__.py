"""The `jiliang` command line (typer + rich)."""
