"""Watching live services: poll, store, detect growth, alert, export (``gotriage watch``)."""
