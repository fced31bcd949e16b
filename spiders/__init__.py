"""briefwatch: spiders."""
