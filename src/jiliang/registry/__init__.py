"""The registry of the national traceability system (institutions to instruments)."""
