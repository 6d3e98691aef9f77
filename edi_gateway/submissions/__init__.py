"""Receiving files: store them byte-exact, validate, store their records, acknowledge."""
