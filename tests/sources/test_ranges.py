"""Planning id ranges for a walk split across the endpoint's slots."""

from sources.autotask.ranges import IdRange, plan_ranges


def test_ranges_follow_the_first_pages_id_density_and_leave_the_end_open():
    # The first page held 500 rows over ids 1,000..2,499 (3 ids per row);
    # 3,000 rows remain, so they should reach about 9,000 ids further.
    ranges = plan_ranges(1_000, 2_499, 500, 3_000, 3)

    assert ranges == [
        IdRange(2_499, 5_499),
        IdRange(5_499, 8_499),
        IdRange(8_499, None),
    ]


def test_dense_ids_never_make_empty_ranges():
    ranges = plan_ranges(1, 500, 500, 3_000, 3)

    assert [(r.low, r.high) for r in ranges] == [
        (500, 1_500),
        (1_500, 2_500),
        (2_500, None),
    ]


def test_a_range_resumes_after_the_last_id_it_handed_over():
    id_range = IdRange.from_state([2_497, 5_497, 3_100])

    assert id_range.start == 3_100
    assert id_range.to_state() == [2_497, 5_497, 3_100]
    assert [c.op for c in id_range.conditions()] == ["lte"]
    assert IdRange(8_497, None).conditions() == []
