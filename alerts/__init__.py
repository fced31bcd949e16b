"""briefwatch: alerts."""
