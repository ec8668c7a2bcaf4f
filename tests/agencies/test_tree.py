import datetime as dt

from resmon.agencies import selectors
from resmon.agencies.models import Agency


def test_subtree_is_a_prefix_query(world):
    names = set(selectors.subtree(world.hni).values_list("code", flat=True))
    assert names == {"HNI", "HNI-UBND", "HNI-SKHCN", "HNI-X1", "HNI-X1-UBND", "HNI-X2"}
    assert not selectors.subtree(world.hni).filter(pk=world.hcm.pk).exists()


def test_ancestors_in_order(world):
    assert [a.code for a in selectors.ancestors(world.hni_so)] == ["TW", "HNI", "HNI-UBND"]


def test_agencies_visible_follow_scope(world):
    xa = set(selectors.agencies_visible(world.users["xa_officer"]).values_list("code", flat=True))
    assert xa == {"HNI-X1", "HNI-X1-UBND"}
    assert selectors.agencies_visible(world.users["national_leader"]).count() == Agency.objects.count()


def test_predecessors_keep_history(world):
    old = Agency.objects.add_root(
        {
            "code": "HTY",
            "name": "Tỉnh ủy Hà Tây",
            "kind": "provincial_party",
            "level": "province",
            "valid_to": dt.date(2008, 7, 31),
        }
    )
    world.hni.predecessors.add(old)
    assert list(old.successors.all()) == [world.hni]

    assert not old.is_active_on(dt.date(2026, 1, 1)) and world.hni.is_active_on(dt.date(2026, 1, 1))
    assert not selectors.agencies_visible(world.users["national_leader"]).filter(pk=old.pk).exists()
