"""chaos tests."""
