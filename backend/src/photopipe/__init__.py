"""photopipe: a local-first, event-driven image pipeline for mobile apps."""
