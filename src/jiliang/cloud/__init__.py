"""Industrial metrology cloud and open data: capabilities, demands, statistics (issue 16 §2-3)."""
