from resmon.notifications import services
from resmon.notifications.models import Kind


def give_emails(world, *names):
    for name in names:
        u = world.users[name]
        u.email = f"{name}@example.vn"
        u.save(update_fields=["email"])


def send(world, *names, title="Báo cáo quý I cần bổ sung", url="/tasks/1/", kind=Kind.TASK_ASSIGNED, **kw):
    return services.notify([world.users[n] for n in names], kind, title, "Nội dung thông báo", url, **kw)


def matrix_notifications(world) -> list:
    """For the permission matrix: one notification each for a commune officer, another
    province's officer and a leader (created once)."""
    from resmon.notifications.models import Notification

    found = list(Notification.objects.filter(title="Thông báo kiểm thử ma trận").order_by("pk"))
    if found:
        return found
    users = [world.users[k] for k in ("xa_officer", "hcm_officer", "hni_leader")]
    return services.notify(users, Kind.TASK_ASSIGNED, "Thông báo kiểm thử ma trận", url="/")


def matrix_visible_notifications(user) -> set[int]:
    from resmon.notifications.selectors import notifications_of

    return set(notifications_of(user).values_list("pk", flat=True))
