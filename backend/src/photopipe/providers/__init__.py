"""Analysis and editing providers behind one small interface, chosen per deployment."""
