"""Bearer tokens: who is calling."""
