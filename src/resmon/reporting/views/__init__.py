"""The reporting pages (mounted at /reports/): one module per page family."""
