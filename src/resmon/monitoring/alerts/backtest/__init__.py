"""The backtest harness (``manage.py backtest``): replay a history week by week and score the
warnings and the forecasts against what happened. See ``replay.py`` for the definitions."""

from .history import History, HistoryError, KpiSeries, read_csv
from .replay import KEYS, replay
from .report import render
from .simulate import simulate

__all__ = ["KEYS", "History", "HistoryError", "KpiSeries", "read_csv", "render", "replay", "simulate"]
