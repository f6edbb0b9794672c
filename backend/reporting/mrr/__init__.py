"""Monthly recurring revenue: its value, its movement per customer, by plan (docs/metrics.md)."""
