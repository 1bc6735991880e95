"""Tests of photopipe.images."""
