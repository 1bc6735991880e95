"""Tests of photopipe.notify."""
