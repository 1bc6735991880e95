"""Tests of photopipe.handlers."""
