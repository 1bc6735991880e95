"""No test here reaches the network."""

from tests.support.network import no_network

__all__ = ["no_network"]
