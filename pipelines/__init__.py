"""briefwatch: pipelines."""
