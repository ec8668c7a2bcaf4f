"""Monitoring: forecasts, alerts (warnings and bottlenecks), directives and reminders, evaluation.

Each part is its own Django app; inside this layer they depend on each other in one direction:
forecasts ← alerts ← bottlenecks ← directives ← evaluation."""
