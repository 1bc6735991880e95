"""Tests of photopipe.providers."""
