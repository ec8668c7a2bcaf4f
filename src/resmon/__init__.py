"""Resmon: monitoring the implementation of the Politburo's resolutions."""
