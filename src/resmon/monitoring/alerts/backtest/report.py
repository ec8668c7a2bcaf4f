"""The backtest's figures as a readable table (the command prints it; ``--json`` prints the dict)."""

from __future__ import annotations

from typing import Any

TARGETS = {
    "recall_30d": (0.80, None),
    "precision": (0.70, None),
    "interval_coverage_80": (0.75, 0.85),
    "kpi_interval_coverage_80": (0.75, 0.85),
}


def _pct(value: Any) -> str:
    return "—" if value is None else f"{100 * value:.1f}%"


def _num(value: Any, unit: str = "") -> str:
    return "—" if value is None else f"{value:g}{unit}"


def _verdict(key: str, value: Any) -> str:
    if key not in TARGETS:
        return ""
    low, high = TARGETS[key]
    if value is None:
        return "  (no data)"
    ok = value >= low and (high is None or value <= high)
    want = f">= {low:.0%}" if high is None else f"{low:.0%}-{high:.0%}"
    return f"  target {want}: {'met' if ok else 'NOT met'}"


def render(f: dict[str, Any]) -> str:
    lines = [
        f"Backtest on {f['source']} history ({', '.join(f.get('notes') or []) or '-'}): "
        f"{f['tasks']} tasks, {f['scored_tasks']} with a known outcome, {f['late_tasks']} ended late; "
        f"{f['as_of_dates']} weekly as-of dates {f['first_as_of']} .. {f['last_as_of']}",
        "rules: due soon {due_soon_days} d and {behind_points} points behind, stalled {stalled_days} d, "
        "forecast P(miss) >= {forecast_p_miss}".format(**f["rules"]),
        "",
        "Warnings (a late-risk warning before the deadline)",
        f"  warned tasks            {f['warned_tasks']} "
        f"({f['true_positives']} ended late, {f['false_positives']} on time)",
        f"  precision               {_pct(f['precision'])}{_verdict('precision', f['precision'])}",
        f"  recall                  {_pct(f['recall'])}",
        f"  recall 30 days ahead    {_pct(f['recall_30d'])}{_verdict('recall_30d', f['recall_30d'])}",
        f"  median lead time        {_num(f['median_lead_days'], ' days')}",
        "  first warning by rule   "
        + (", ".join(f"{k} {v}" for k, v in sorted(f["first_warning_kinds"].items())) or "—"),
        "",
        f"Task forecasts (method used: {f['method']})",
        f"  80% interval coverage   {_pct(f['interval_coverage_80'])}"
        f"{_verdict('interval_coverage_80', f['interval_coverage_80'])}",
        "",
        f"  {'method':<10} {'forecasts':>9} {'MAE d':>7} {'median':>7} {'bias d':>7} {'cover80':>8} "
        f"{'Brier':>6}  coverage by reports used",
    ]
    for name, m in f["methods"].items():
        by = ", ".join(f"{k}: {_pct(v)}" for k, v in m["coverage_by_reports"].items()) or "—"
        lines.append(
            f"  {name:<10} {m['forecasts']:>9} {_num(m['mae_days']):>7} "
            f"{_num(m['median_abs_error_days']):>7} {_num(m['bias_days']):>7} "
            f"{_pct(m['coverage_80']):>8} {_num(m['brier']):>6}  {by}"
        )
    chosen = f["methods"].get(f["method"], {})
    if chosen.get("reliability"):
        lines.append(
            "  P(miss) against outcome: "
            + "; ".join(
                f"{r['p_from']:.1f}+: {r['late_share']:.0%} late of {r['n']}" for r in chosen["reliability"]
            )
        )
    lines += [
        "",
        f"KPI forecasts: {f['kpi_forecasts']} forecasts of the last value of {f['kpi_series']} series",
        f"  80% interval coverage   {_pct(f['kpi_interval_coverage_80'])}"
        f"{_verdict('kpi_interval_coverage_80', f['kpi_interval_coverage_80'])}",
        f"  mean abs. scaled error  {_num(f['kpi_mase'])}",
        "  methods chosen          "
        + (", ".join(f"{k} {v}" for k, v in sorted(f["kpi_methods"].items())) or "—"),
        "",
        f"{f['seconds']} s",
    ]
    return "\n".join(lines)
