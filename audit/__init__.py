"""Airlock's audit trail: the store, alerts, reviews and the screen → gate → run → record pipeline."""
