"""Progress roll-up: the one function, pure, in Decimal (PRODUCT.md).

* percent done is entered on leaf tasks only; a completed task counts as 100;
* a parent's progress is the weighted mean of its children's; cancelled tasks drop out;
* an agency subtree's progress on a resolution is the weighted mean of the top-most tasks led
  inside it (those whose parent is led outside it, or that have no parent).

Dashboards, the API and exports all call these, so they show the same number. Sums run in task id
order (children, top-most tasks), so the result does not depend on the order rows were read in,
and :func:`every_subtree_progress` (all subtrees at once, for the roll-up caches) gives exactly
what :func:`subtree_progress` gives for each subtree.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

HUNDRED = Decimal(100)
QUANTUM = Decimal("0.01")


@dataclass(frozen=True)
class Node:
    id: int
    parent_id: int | None
    weight: Decimal
    percent_done: Decimal | None  # on leaves; ignored on parents
    completed: bool = False
    cancelled: bool = False
    lead_path: str = ""


def weighted_mean(pairs: Iterable[tuple[Decimal, Decimal]]) -> Decimal | None:
    total_w = Decimal(0)
    total = Decimal(0)
    for weight, value in pairs:
        total_w += weight
        total += weight * value
    if total_w == 0:
        return None
    return total / total_w


def rollup(nodes: Iterable[Node]) -> dict[int, Decimal]:
    """Progress (0..100, unrounded) of every node; parents from their children, by weight."""
    by_id = {n.id: n for n in nodes}
    children: dict[int, list[int]] = defaultdict(list)
    for n in sorted(by_id.values(), key=lambda n: n.id):
        if n.parent_id is not None and n.parent_id in by_id:
            children[n.parent_id].append(n.id)
    out: dict[int, Decimal] = {}

    def progress(node_id: int) -> Decimal:
        if node_id in out:
            return out[node_id]
        node = by_id[node_id]
        if node.completed:
            value = HUNDRED
        elif children.get(node_id):
            live = [by_id[c] for c in children[node_id] if not by_id[c].cancelled]
            mean = weighted_mean((c.weight, progress(c.id)) for c in live)
            value = mean if mean is not None else Decimal(0)
        else:
            value = min(max(node.percent_done or Decimal(0), Decimal(0)), HUNDRED)
        out[node_id] = value
        return value

    # iterative order (deepest first) keeps recursion shallow on deep trees
    for node_id in sorted(by_id, key=lambda i: _depth(i, by_id), reverse=True):
        progress(node_id)
    return out


def _depth(node_id: int, by_id: Mapping[int, Node]) -> int:
    depth = 0
    parent = by_id[node_id].parent_id
    while parent is not None and parent in by_id:
        depth += 1
        parent = by_id[parent].parent_id
    return depth


def subtree_progress(nodes: Iterable[Node], inside: Callable[[str], bool]) -> Decimal | None:
    """Weighted mean over the top-most tasks led inside a subtree (``inside(lead_path)``)."""
    nodes = list(nodes)
    by_id = {n.id: n for n in nodes}
    progress = rollup(nodes)
    tops = [
        n
        for n in sorted(nodes, key=lambda n: n.id)
        if inside(n.lead_path)
        and not n.cancelled
        and (n.parent_id is None or n.parent_id not in by_id or not inside(by_id[n.parent_id].lead_path))
    ]
    return weighted_mean((n.weight, progress[n.id]) for n in tops)


def _common_steps(a: str, b: str, step: int) -> int:
    """How many leading path steps two agency paths share."""
    k = 0
    while (k + 1) * step <= min(len(a), len(b)) and a[k * step : (k + 1) * step] == b[
        k * step : (k + 1) * step
    ]:
        k += 1
    return k


def every_subtree_progress(nodes: Iterable[Node], step: int) -> dict[str, Decimal | None]:
    """:func:`subtree_progress` of every agency subtree that leads a task, keyed by the subtree's
    root path (agency paths grow by ``step`` characters per level), in one pass.

    A task led at path L whose parent is led at path P is a top-most task exactly of the subtrees
    rooted on L's ancestors (L itself included) below the deepest one P also lies in; without a
    parent, of every ancestor of L. Each task is added to those subtrees in id order, the order
    :func:`subtree_progress` sums in, so each value is the same Decimal."""
    nodes = sorted(nodes, key=lambda n: n.id)
    by_id = {n.id: n for n in nodes}
    progress = rollup(nodes)
    totals: dict[str, list[Decimal]] = {}
    for n in nodes:
        if n.cancelled:
            continue
        parent = by_id.get(n.parent_id) if n.parent_id is not None else None
        shared = _common_steps(n.lead_path, parent.lead_path, step) if parent is not None else 0
        for k in range(shared + 1, len(n.lead_path) // step + 1):
            acc = totals.setdefault(n.lead_path[: k * step], [Decimal(0), Decimal(0)])
            acc[0] += n.weight
            acc[1] += n.weight * progress[n.id]
    return {path: (total / weight if weight != 0 else None) for path, (weight, total) in totals.items()}


def rounded(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(QUANTUM, rounding=ROUND_HALF_UP)
