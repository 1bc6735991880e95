"""Tests of photopipe.auth."""
