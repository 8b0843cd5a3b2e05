"""Small helpers for the entry points: config printing, instantiation, logging, run records."""
