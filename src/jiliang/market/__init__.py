"""Market supervision: campaigns, prepackaged goods, honest measurement, risk (issue 15)."""
