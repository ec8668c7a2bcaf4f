from decimal import Decimal as D

from hypothesis import given
from hypothesis import strategies as st

from resmon.planning.rollup import Node, rollup, rounded, subtree_progress, weighted_mean


def test_parent_is_weighted_mean_of_children():
    nodes = [
        Node(1, None, D(1), None),
        Node(2, 1, D(3), D(100)),
        Node(3, 1, D(1), D(20)),
    ]
    assert rollup(nodes)[1] == D(80)  # (3*100 + 1*20) / 4


def test_completed_counts_as_hundred_and_cancelled_drops_out():
    nodes = [
        Node(1, None, D(1), None),
        Node(2, 1, D(1), D(10), completed=True),
        Node(3, 1, D(1), D(0), cancelled=True),
        Node(4, 1, D(1), D(50)),
    ]
    assert rollup(nodes)[1] == D(75)


def test_parent_percent_entry_is_ignored_when_it_has_children():
    nodes = [Node(1, None, D(1), D(99)), Node(2, 1, D(1), D(10))]
    assert rollup(nodes)[1] == D(10)


def test_subtree_progress_uses_topmost_tasks_led_inside():
    # task 1 led by the province (0001), its children by a department (00010001) and a commune (00010002)
    nodes = [
        Node(1, None, D(1), None, lead_path="0001"),
        Node(2, 1, D(1), D(40), lead_path="00010001"),
        Node(3, 1, D(1), D(60), lead_path="00010002"),
        Node(4, None, D(2), D(10), lead_path="0002"),
    ]
    assert subtree_progress(nodes, lambda p: p.startswith("0001")) == D(50)
    assert subtree_progress(nodes, lambda p: p.startswith("00010001")) == D(40)
    assert subtree_progress(nodes, lambda p: p.startswith("0003")) is None


def test_rounding_is_half_up_on_two_places():
    assert rounded(D("33.335")) == D("33.34")
    assert rounded(None) is None


weights = st.decimals(min_value=0, max_value=100, places=2, allow_nan=False)
percents = st.decimals(min_value=0, max_value=100, places=2, allow_nan=False)


@given(st.lists(st.tuples(weights, percents), min_size=1, max_size=20))
def test_weighted_mean_stays_between_min_and_max(pairs):
    mean = weighted_mean(pairs)
    live = [p for w, p in pairs if w > 0]
    if not live:
        assert mean is None
    else:
        assert min(live) <= mean <= max(live)


@given(st.lists(st.tuples(st.integers(0, 30), weights, percents), min_size=1, max_size=30))
def test_rollup_of_random_tree_is_bounded_and_leaf_values_kept(rows):
    nodes = [Node(i + 1, (p if p and p <= i else None), w, pct) for i, (p, w, pct) in enumerate(rows)]
    result = rollup(nodes)
    parents = {n.parent_id for n in nodes}
    for n in nodes:
        assert D(0) <= result[n.id] <= D(100)
        if n.id not in parents:
            assert result[n.id] == n.percent_done
