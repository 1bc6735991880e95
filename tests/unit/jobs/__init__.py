"""Tests of photopipe.jobs."""
