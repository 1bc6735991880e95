"""Tests of photopipe.adapters."""
