"""Telling a user's devices that a job finished: devices, senders and the delivery ledger."""
