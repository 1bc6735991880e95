"""Helpers the test suites share: fakes, image makers, the stack's queues, the docs' examples."""
