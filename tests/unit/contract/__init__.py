"""Tests of photopipe.contract."""
