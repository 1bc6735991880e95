"""Delivery URLs: signed, cacheable renditions of a finished job's image."""
