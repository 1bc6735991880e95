"""tooling tests."""
