"""Sync Monitor: a live dashboard for Dotoro campaign syncs."""
