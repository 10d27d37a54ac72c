"""The cursor never outruns the data, and unfinished walks resume."""

from datetime import UTC, datetime, timedelta

from sources.autotask import cursor

OVERLAP = timedelta(minutes=2)
T0 = datetime(2026, 11, 3, 10, 0, tzinfo=UTC)


def test_first_walk_reads_everything_and_starts_at_the_server_clock():
    walk = cursor.begin_walk({}, T0, OVERLAP)

    assert walk == cursor.Walk(lower_bound=None, started_at=T0, after_id=None)


def test_next_walk_starts_at_the_cursor_minus_the_overlap():
    state = {"cursor": T0.isoformat()}

    walk = cursor.begin_walk(state, T0 + timedelta(hours=1), OVERLAP)

    assert walk.lower_bound == T0 - OVERLAP


def test_cursor_is_capped_at_the_clock_when_the_walk_began():
    state: dict = {}
    walk = cursor.begin_walk(state, T0, OVERLAP)

    cursor.finish_walk(state, walk, largest_stamp=T0 + timedelta(seconds=30))

    assert state == {"cursor": T0.isoformat()}


def test_cursor_follows_the_largest_stamp_when_it_is_older_than_the_clock():
    state: dict = {}
    walk = cursor.begin_walk(state, T0, OVERLAP)

    cursor.finish_walk(state, walk, largest_stamp=T0 - timedelta(days=3))

    assert state == {"cursor": (T0 - timedelta(days=3)).isoformat()}


def test_a_walk_that_saw_no_rows_keeps_the_previous_cursor():
    state = {"cursor": T0.isoformat()}
    walk = cursor.begin_walk(state, T0 + timedelta(hours=1), OVERLAP)

    cursor.finish_walk(state, walk, largest_stamp=None)

    assert state == {"cursor": T0.isoformat()}


def test_cursor_never_moves_backwards():
    state = {"cursor": T0.isoformat()}
    walk = cursor.begin_walk(state, T0 + timedelta(hours=1), OVERLAP)

    cursor.finish_walk(state, walk, largest_stamp=T0 - OVERLAP)

    assert state == {"cursor": T0.isoformat()}


def test_an_interrupted_walk_resumes_with_its_bound_clock_and_last_id():
    state = {"cursor": T0.isoformat()}
    walk = cursor.begin_walk(state, T0 + timedelta(hours=1), OVERLAP)
    cursor.record_progress(state, walk, after_id=29_000_123)

    resumed = cursor.begin_walk(state, T0 + timedelta(hours=5), OVERLAP)

    assert resumed == cursor.Walk(
        lower_bound=T0 - OVERLAP,
        started_at=T0 + timedelta(hours=1),
        after_id=29_000_123,
    )
    assert state["cursor"] == T0.isoformat()


def test_finishing_a_resumed_walk_caps_the_cursor_at_the_first_runs_clock():
    state: dict = {}
    walk = cursor.begin_walk(state, T0, OVERLAP)
    cursor.record_progress(state, walk, after_id=500)
    resumed = cursor.begin_walk(state, T0 + timedelta(hours=5), OVERLAP)

    cursor.finish_walk(state, resumed, largest_stamp=T0 + timedelta(hours=4))

    assert state == {"cursor": T0.isoformat()}


def test_a_walk_split_into_several_queries_resumes_in_the_right_one():
    state: dict = {}
    walk = cursor.begin_walk(state, T0, OVERLAP)
    cursor.record_progress(state, walk, after_id=900, part=2)

    resumed = cursor.begin_walk(state, T0 + timedelta(hours=1), OVERLAP)

    assert (resumed.part, resumed.after_id) == (2, 900)
