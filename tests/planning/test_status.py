import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from resmon.planning.models import Task
from resmon.planning.status import TaskState, TaskStatus, derive_status, status_expression

D = dt.date
TODAY = D(2026, 11, 23)


def status(**kw):
    base = {"first_progress_on": None, "completed_on": None, "due_date": D(2026, 12, 31), "today": TODAY}
    return derive_status(**(base | kw))


def test_not_started_before_deadline():
    assert status() == TaskStatus.NOT_STARTED


def test_in_progress_on_time_once_progress_reported():
    assert status(first_progress_on=D(2026, 3, 1)) == TaskStatus.IN_PROGRESS


def test_due_today_is_still_on_time():
    assert status(first_progress_on=D(2026, 3, 1), due_date=TODAY) == TaskStatus.IN_PROGRESS


def test_overdue_when_deadline_passed_started_or_not():
    assert status(first_progress_on=D(2026, 3, 1), due_date=D(2026, 11, 22)) == TaskStatus.OVERDUE
    assert status(due_date=D(2026, 1, 1)) == TaskStatus.OVERDUE


def test_done_on_time_and_late():
    assert status(completed_on=D(2026, 12, 31)) == TaskStatus.DONE_ON_TIME
    assert (
        status(completed_on=D(2027, 1, 1), due_date=D(2026, 12, 31), today=D(2027, 2, 1))
        == TaskStatus.DONE_LATE
    )


def test_ongoing_tasks_are_never_overdue():
    assert status(ongoing=True, due_date=None, today=D(2030, 1, 1)) == TaskStatus.NOT_STARTED
    assert (
        status(ongoing=True, due_date=D(2020, 1, 1), first_progress_on=D(2021, 1, 1))
        == TaskStatus.IN_PROGRESS
    )
    assert status(ongoing=True, due_date=D(2020, 1, 1), completed_on=D(2025, 1, 1)) == TaskStatus.DONE_ON_TIME


def test_paused_and_cancelled_win():
    assert status(state=TaskState.PAUSED, due_date=D(2020, 1, 1)) == TaskStatus.PAUSED
    assert status(state=TaskState.CANCELLED, completed_on=D(2026, 1, 1)) == TaskStatus.CANCELLED


dates = st.one_of(st.none(), st.dates(min_value=D(2024, 1, 1), max_value=D(2028, 12, 31)))


@given(
    first=dates,
    done=dates,
    due=dates,
    today=st.dates(min_value=D(2024, 1, 1), max_value=D(2028, 12, 31)),
    ongoing=st.booleans(),
    state=st.sampled_from(TaskState.values),
)
def test_status_is_total_and_consistent(first, done, due, today, ongoing, state):
    s = derive_status(
        first_progress_on=first, completed_on=done, due_date=due, today=today, ongoing=ongoing, state=state
    )
    assert s in TaskStatus.values
    if state == TaskState.ACTIVE:
        if done is not None:
            assert s in (TaskStatus.DONE_ON_TIME, TaskStatus.DONE_LATE)
        if ongoing:
            assert s not in (TaskStatus.OVERDUE, TaskStatus.DONE_LATE)
        if s == TaskStatus.OVERDUE:
            assert due is not None and today > due and done is None
        # moving "today" forward never turns an overdue task back to on time
        if s == TaskStatus.OVERDUE:
            later = derive_status(
                first_progress_on=first,
                completed_on=done,
                due_date=due,
                today=today + dt.timedelta(days=30),
                ongoing=ongoing,
                state=state,
            )
            assert later == TaskStatus.OVERDUE


@pytest.mark.django_db
@given(
    rows=st.lists(
        st.tuples(dates, dates, dates, st.booleans(), st.sampled_from(TaskState.values)),
        min_size=1,
        max_size=15,
    ),
    today=st.dates(min_value=D(2024, 1, 1), max_value=D(2028, 12, 31)),
)
def test_database_expression_equals_pure_function(django_db_blocker, rows, today):
    """The SQL used to filter and count by status gives the same answer as derive_status."""
    from tests.factories import agency, program, resolution, task

    with django_db_blocker.unblock():
        Task.objects.all().delete()
        root = agency(None, "Gốc", "central_committee")
        prog = program(resolution(), root)
        created = {}
        for first, done, due, ongoing, state in rows:
            t = task(
                prog,
                root,
                first_progress_on=first,
                completed_on=done,
                due_date=due,
                ongoing=ongoing,
                state=state,
            )
            created[t.pk] = derive_status(
                first_progress_on=first,
                completed_on=done,
                due_date=due,
                today=today,
                ongoing=ongoing,
                state=state,
            )
        from_db = dict(Task.objects.annotate(s=status_expression(today)).values_list("pk", "s"))
        assert from_db == {pk: s.value for pk, s in created.items()}
        Task.objects.all().delete()
        prog.delete()
        root.delete()
