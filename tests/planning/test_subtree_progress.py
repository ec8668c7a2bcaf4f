from decimal import Decimal

from resmon.planning.selectors import subtree_progress_by_resolution


def set_percent(task, value):
    task.percent_done = Decimal(value)
    task.save(update_fields=["percent_done"])


def progress_of(world, username, agency):
    rows = subtree_progress_by_resolution(world.users[username], agency.path)
    return {r["resolution"].number: r["progress"] for r in rows}


def test_subtree_progress_is_weighted_mean_of_topmost_tasks_led_inside(world):
    set_percent(world.tasks["hni_so"], 40)
    set_percent(world.tasks["hni_xa"], 60)
    # Hà Nội leads task 1 (its two sub-tasks roll up to 50)
    assert progress_of(world, "hni_officer", world.hni) == {"57-NQ/TW": Decimal("50.00")}
    # the department's top-most task is its own sub-task: its parent is led outside the department
    assert progress_of(world, "hni_officer", world.hni_so) == {"57-NQ/TW": Decimal("40.00")}
    # nationally five top-most tasks: ministry, Hà Nội (50), HCM, its commune task, ministry_coord
    assert progress_of(world, "national_leader", world.root) == {"57-NQ/TW": Decimal("10.00")}


def test_subtree_progress_respects_scope(world):
    set_percent(world.tasks["hni_so"], 40)
    assert progress_of(world, "hcm_officer", world.hni) == {}


def test_agency_page_shows_the_subtree_progress(client, world):
    set_percent(world.tasks["hni_so"], 40)
    set_percent(world.tasks["hni_xa"], 60)
    client.force_login(world.users["hni_officer"])
    page = client.get(f"/agencies/{world.hni.pk}/").content.decode()
    assert "Progress of this subtree by resolution" in page and "50%" in page
