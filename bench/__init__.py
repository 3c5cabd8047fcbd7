"""Benchmarks of the bot's storage: ``python -m bench`` runs them all, ``python -m bench NAME`` one."""
