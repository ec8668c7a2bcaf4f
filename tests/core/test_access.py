from resmon.core.access import can, visible_to
from resmon.planning.models import Task


def visible_codes(world, username):
    user = world.users[username]
    names = {t.pk: k for k, t in world.tasks.items()}
    return {names[pk] for pk in visible_to(user, Task.objects.all()).values_list("pk", flat=True)}


def test_province_officer_sees_own_subtree_and_coordinated_tasks(world):
    assert visible_codes(world, "hni_officer") == {"hni", "hni_so", "hni_xa", "ministry_coord"}


def test_commune_officer_sees_only_its_commune(world):
    assert visible_codes(world, "xa_officer") == {"hni_xa"}
    assert visible_codes(world, "xa2_officer") == set()


def test_national_leader_and_sysadmin_see_everything(world):
    assert visible_codes(world, "national_leader") == set(world.tasks)
    assert visible_codes(world, "sysadmin") == set(world.tasks)


def test_ministry_sees_what_it_leads(world):
    assert visible_codes(world, "ministry_officer") == {"ministry", "ministry_coord"}


def test_steering_member_sees_resolution_nationwide(world):
    assert visible_codes(world, "steering") == set(world.tasks)


def test_inspector_reads_mandated_subtree_but_cannot_change(world):
    assert visible_codes(world, "inspector") == {"hni", "hni_so", "hni_xa", "ministry_coord"}
    assert not can(world.users["inspector"], "change", world.tasks["hni"])


def test_change_needs_role_and_write_scope(world):
    assert can(world.users["hni_officer"], "change", world.tasks["hni_xa"])
    assert not can(world.users["xa_officer"], "change", world.tasks["hni"])
    assert not can(world.users["hcm_officer"], "change", world.tasks["hni"])
    assert not can(
        world.users["hni_admin"], "change", world.tasks["hni"]
    )  # admins manage accounts, not tasks
