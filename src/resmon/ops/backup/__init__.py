"""Backup and restore (``manage.py backup`` / ``manage.py restore``; docs/operations.md)."""
