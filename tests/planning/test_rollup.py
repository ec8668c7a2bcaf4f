from decimal import Decimal as D

from hypothesis import given
from hypothesis import strategies as st

from resmon.planning.rollup import (
    Node,
    every_subtree_progress,
    rollup,
    rounded,
    subtree_progress,
    weighted_mean,
)


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


# agency paths of a small tree: a root, two children, grandchildren (4 characters per level)
AGENCY_PATHS = ["0001", "00010001", "00010002", "000100010001", "000100010002", "000100020001"]


@given(
    st.lists(
        st.tuples(
            st.integers(0, 40),  # parent: an earlier task, or none
            st.sampled_from(AGENCY_PATHS),
            weights,
            percents,
            st.booleans(),  # completed
            st.booleans(),  # cancelled
        ),
        min_size=1,
        max_size=40,
    ),
    st.permutations(range(40)),
)
def test_every_subtree_at_once_equals_the_function_for_each_subtree(rows, order):
    """The roll-up caches compute all subtrees in one pass; for every subtree the value is exactly
    (the same Decimal) what subtree_progress says, whatever order the rows come in."""
    nodes = [
        Node(i + 1, (p if p and p <= i else None), w, pct, completed=done, cancelled=gone, lead_path=path)
        for i, (p, path, w, pct, done, gone) in enumerate(rows)
    ]
    shuffled = [nodes[i] for i in order if i < len(nodes)]
    every = every_subtree_progress(shuffled, step=4)
    for path in AGENCY_PATHS:
        expected = subtree_progress(nodes, lambda lead, path=path: lead.startswith(path))
        assert every.get(path) == expected, path
    assert set(every) <= set(AGENCY_PATHS)


def test_a_task_counts_in_the_subtrees_below_where_its_parent_is_led():
    # the ministry (0001 0003) assigned two sub-tasks of its task: one to a province (0001 0001,
    # 40 %, weight 3), one straight to a commune of that province (80 %)
    nodes = [
        Node(1, None, D(1), None, lead_path="00010003"),
        Node(2, 1, D(3), D(40), lead_path="00010001"),
        Node(3, 1, D(1), D(80), lead_path="000100010001"),
    ]
    every = every_subtree_progress(nodes, step=4)
    assert every["00010003"] == D(50)  # the ministry: its task, (3 x 40 + 80) / 4
    assert every["00010001"] == D(50)  # the province: both sub-tasks are led inside it
    assert every["000100010001"] == D(80)  # the commune: its own
    assert every["0001"] == D(50)  # the nation: only the ministry's task has no parent inside
    assert "00010002" not in every  # leads nothing
