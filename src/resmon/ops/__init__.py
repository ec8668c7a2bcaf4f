"""Operations: health and readiness, Prometheus metrics, the request id, backup and restore."""
