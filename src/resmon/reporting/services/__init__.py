"""Writes on period reports and what they carry (one module per concern)."""
