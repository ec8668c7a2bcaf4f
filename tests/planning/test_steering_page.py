from resmon.audit.models import AuditEntry
from resmon.planning.models import SteeringMember


def url(world):
    return f"/planning/resolutions/{world.res.pk}/steering/"


def test_everyone_who_sees_the_resolution_sees_the_members(client, world):
    client.force_login(world.users["xa_officer"])
    page = client.get(url(world)).content.decode()
    assert world.users["steering"].display_name in page
    assert 'name="username"' not in page  # no add form for a non-administrator


def test_system_admin_adds_a_member_who_then_sees_the_resolution_nationwide(client, world):
    client.force_login(world.users["sysadmin"])
    response = client.post(url(world), {"username": "hcm_officer", "position": "Thành viên"})
    assert response.status_code == 302
    assert SteeringMember.objects.filter(user=world.users["hcm_officer"]).exists()
    assert AuditEntry.objects.filter(action="planning.steering_member_added").count() == 1
    from resmon.accounts.models import User
    from resmon.planning.selectors import tasks_visible

    member = User.objects.get(username="hcm_officer")
    assert tasks_visible(member).filter(pk=world.tasks["hni_xa"].pk).exists()


def test_unknown_username_and_duplicates_are_refused_with_a_message(client, world):
    client.force_login(world.users["sysadmin"])
    page = client.post(url(world), {"username": "nobody"}).content.decode()
    assert "No account with this username." in page
    page = client.post(url(world), {"username": "steering"}).content.decode()
    assert "already a member" in page
    assert SteeringMember.objects.count() == 1


def test_others_cannot_add_or_remove(client, world):
    member = SteeringMember.objects.get()
    client.force_login(world.users["hni_admin"])
    assert client.post(url(world), {"username": "hcm_officer"}).status_code == 404
    assert client.post(url(world), {"remove": member.pk}).status_code == 404
    assert SteeringMember.objects.count() == 1
    assert not AuditEntry.objects.filter(action__startswith="planning.steering_member").exists()


def test_system_admin_removes_a_member(client, world):
    member = SteeringMember.objects.get()
    client.force_login(world.users["sysadmin"])
    assert client.post(url(world), {"remove": member.pk}).status_code == 302
    assert not SteeringMember.objects.exists()
    assert AuditEntry.objects.filter(action="planning.steering_member_removed").count() == 1
