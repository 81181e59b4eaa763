"""IDs: base-36 sequences, natural ordering, robustness on malformed input, resolution."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chant.errors import AmbiguousIdError, NotFoundError
from chant.spec import ids

from ._helpers import SEED_DRIVER, SEED_IDS, SEED_MEMBERS


@pytest.mark.parametrize(
    ("number", "text"),
    [
        (0, "000"),
        (1, "001"),
        (9, "009"),
        (10, "00a"),
        (35, "00z"),
        (36, "010"),
        (37, "011"),
        (71, "01z"),
        (72, "020"),
        (1295, "0zz"),
        (1296, "100"),
        (46655, "zzz"),
        (46656, "1000"),  # past three digits the sequence widens instead of wrapping
    ],
)
def test_base36_table(number: int, text: str) -> None:
    assert ids.to_base36(number) == text
    assert ids.from_base36(text) == number


@pytest.mark.parametrize("text", ["", "ABC", "-1", "1.5", " 01", "0X1", "zzzzzzzzz", "é", "0_1", "\n"])
def test_from_base36_malformed_is_none(text: str) -> None:
    assert ids.from_base36(text) is None


def test_next_sequence_after_009_is_00a() -> None:
    date = "2026-02-01"
    existing = [f"{date}-00{n}-abc" for n in range(1, 10)]
    seq = ids.next_sequence(date, existing)
    assert seq == 10
    assert ids.make_id(date, seq, "xyz") == "2026-02-01-00a-xyz"


def test_next_sequence_after_00z_is_010() -> None:
    date = "2026-02-01"
    assert ids.make_id(date, ids.next_sequence(date, [f"{date}-00z-q1w"]), "k9k") == "2026-02-01-010-k9k"


def test_next_sequence_counts_members_and_ignores_other_days_and_foreign_ids() -> None:
    date = "2026-02-01"
    existing = [
        "2026-02-01-004-abc.3",  # a member still counts for its driver's sequence
        "2026-02-01-002-def",
        "2026-02-02-0zz-ghi",  # another day
        "001-fix-login",  # Rust-tool style, no date
        "2026-02-01-!!!-bad",  # malformed sequence
        "",
    ]
    assert ids.next_sequence(date, existing) == 5
    assert ids.next_sequence("2026-03-01", existing) == 1


def test_make_id_random_suffix_shape() -> None:
    spec_id = ids.make_id("2026-02-01", 37)
    match = ids.DATE_ID.match(spec_id)
    assert match is not None
    assert match.group(2) == "011"
    assert len(match.group(3)) == 3


def test_sort_40_same_day_ids_and_members_numerically() -> None:
    date = "2026-02-01"
    rng = random.Random(7)
    suffixes = ["".join(rng.choice(ids.BASE36) for _ in range(3)) for _ in range(40)]
    base = [f"{date}-{ids.to_base36(n)}-{suffixes[n - 1]}" for n in range(1, 41)]
    driver = base[11]  # sequence 00c
    members = [f"{driver}.1", f"{driver}.2", f"{driver}.2.1", f"{driver}.10"]
    expected = base[:12] + members + base[12:]
    shuffled = expected[:]
    for seed in range(5):
        random.Random(seed).shuffle(shuffled)
        assert ids.sorted_ids(shuffled) == expected
    # sequence 00a (10) sorts after 009 (9) and 010 (36) after 00z (35)
    assert ids.sorted_ids([base[35], base[34], base[9], base[8]]) == [base[8], base[9], base[34], base[35]]


def test_sort_members_numeric_not_lexicographic() -> None:
    driver = "2026-02-01-001-ext"
    shuffled = [f"{driver}.10", f"{driver}.2.1", driver, f"{driver}.2", f"{driver}.1", f"{driver}.2.10"]
    assert ids.sorted_ids(shuffled) == [
        driver,
        f"{driver}.1",
        f"{driver}.2",
        f"{driver}.2.1",
        f"{driver}.2.10",
        f"{driver}.10",
    ]


def test_sort_dates_then_sequences() -> None:
    given_ids = ["2026-02-01-002-aaa", "2026-01-31-00z-zzz", "2026-02-01-001-zzz", "2025-12-31-010-abc"]
    assert ids.sorted_ids(given_ids) == [
        "2025-12-31-010-abc",
        "2026-01-31-00z-zzz",
        "2026-02-01-001-zzz",
        "2026-02-01-002-aaa",
    ]


def test_sort_non_date_ids_naturally() -> None:
    shuffled = ["010-x", "002-feature.10", "001-fix-login", "002-feature.2", "002-feature", "002-feature.1"]
    assert ids.sorted_ids(shuffled) == [
        "001-fix-login",
        "002-feature",
        "002-feature.1",
        "002-feature.2",
        "002-feature.10",
        "010-x",
    ]
    assert ids.sorted_ids(["9-b", "10-a"]) == ["9-b", "10-a"]


@pytest.mark.parametrize(
    ("spec_id", "base", "numbers", "parent"),
    [
        ("2026-02-01-001-ext", "2026-02-01-001-ext", (), None),
        ("2026-02-01-001-ext.4", "2026-02-01-001-ext", (4,), "2026-02-01-001-ext"),
        ("2026-02-01-001-ext.2.10", "2026-02-01-001-ext", (2, 10), "2026-02-01-001-ext.2"),
        ("002-feature.1", "002-feature", (1,), "002-feature"),
        ("001-fix-login", "001-fix-login", (), None),
        ("v1.2", "v1", (2,), "v1"),
        (".1", ".1", (), None),
    ],
)
def test_members(spec_id: str, base: str, numbers: tuple[int, ...], parent: str | None) -> None:
    assert ids.split_member(spec_id) == (base, numbers)
    assert ids.parent_id(spec_id) == parent
    assert ids.root_id(spec_id) == base


MALFORMED = [
    "",
    ".",
    "..",
    ".1",
    "x.",
    "x.1.",
    "a..b",
    "2026-02-01",
    "2026-02-01-",
    "2026-02-01--abc",
    "2026-02-01-ZZZ-abc",
    "2026-13-45-001-x",
    "2026-02-01-zzzzzzzzzz-abc",
    "9" * 60,
    "x." + "9" * 60,
    "x." + "9" * 5000,
    "1" * 5000,
    "²",
    "x²",
    "٣",
    "spec with spaces",
    "ünïcødé.3",
    "-",
    "---",
    "\t",
]


@pytest.mark.parametrize("spec_id", MALFORMED)
def test_malformed_ids_never_raise(spec_id: str) -> None:
    ids.sort_key(spec_id)
    ids.split_member(spec_id)
    ids.parent_id(spec_id)
    ids.member_number(spec_id)
    ids.next_sequence("2026-02-01", [spec_id])


def test_sorting_malformed_mixture_is_total() -> None:
    mixture = [*MALFORMED, *SEED_IDS, "001-fix-login", "002-feature.1"]
    once = ids.sorted_ids(mixture)
    assert ids.sorted_ids(reversed(once)) == once


@given(st.lists(st.text(max_size=30), max_size=30))
def test_sort_key_total_on_any_text(texts: list[str]) -> None:
    ordered = ids.sorted_ids(texts)  # must not raise: every pair of keys is comparable
    assert sorted(ordered) == sorted(texts)
    keys = [ids.sort_key(text) for text in ordered]
    assert keys == sorted(keys)


# -- resolution ------------------------------------------------------------------------------------------
POOL = [*SEED_IDS, "2026-02-02-001-ab1", "001-fix-login", "002-feature", "002-feature.1"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (SEED_DRIVER, SEED_DRIVER),  # exact
        ("001-ext", SEED_DRIVER),  # unique suffix: the driver, not its members
        ("ext.2", f"{SEED_DRIVER}.2"),  # suffix of a member
        ("001-ext.4", f"{SEED_DRIVER}.4"),
        ("cpl", "2026-01-27-001-cpl"),
        ("ab1", "2026-02-02-001-ab1"),
        ("fix-login", "001-fix-login"),
        ("002-feature", "002-feature"),  # exact wins over the member that contains it
        ("feature.1", "002-feature.1"),
        (f".chant/specs/{SEED_DRIVER}.4.md", f"{SEED_DRIVER}.4"),  # a path
        (f"  {SEED_DRIVER}  ", SEED_DRIVER),
        ("01-28", "2026-01-28-001-doc"),  # unique substring
        ("2026-02-01", SEED_DRIVER),  # only the driver and its own members match: the driver wins
        ("feature", "002-feature"),  # the same, by substring
    ],
)
def test_resolve(query: str, expected: str) -> None:
    assert ids.resolve(query, POOL) == expected


@pytest.mark.parametrize(
    ("query", "candidates"),
    [
        ("ext.", SEED_MEMBERS),  # members only: no driver among the candidates
        ("001", None),
    ],
)
def test_resolve_ambiguous_lists_candidates(query: str, candidates: list[str] | None) -> None:
    with pytest.raises(AmbiguousIdError) as info:
        ids.resolve(query, POOL)
    found = info.value.candidates
    assert found == ids.sorted_ids(found)
    if candidates is not None:
        assert found == candidates
    for candidate in found:
        assert candidate in info.value.message
    assert f"'{query}'" in info.value.message


def test_resolve_same_suffix_on_two_days_is_ambiguous() -> None:
    pool = ["2026-02-01-001-ext", "2026-02-02-001-ext"]
    with pytest.raises(AmbiguousIdError) as info:
        ids.resolve("001-ext", pool)
    assert info.value.candidates == pool


@pytest.mark.parametrize("query", ["nope", "", "   ", "ext.9", "2026-02-03"])
def test_resolve_not_found(query: str) -> None:
    with pytest.raises(NotFoundError):
        ids.resolve(query, POOL)


def test_resolve_driver_wins_over_its_own_members_and_nested_members() -> None:
    pool = ["2026-12-02-001-b40", "2026-12-02-001-b40.1", "2026-12-02-001-b40.2", "2026-12-02-001-b40.2.1"]
    assert ids.resolve("001", pool) == "2026-12-02-001-b40"
    assert ids.resolve("b40", pool) == "2026-12-02-001-b40"
    assert ids.resolve("b40.2", pool) == "2026-12-02-001-b40.2"  # exact suffix of a member driver


@pytest.mark.parametrize(
    "pool",
    [
        ["2026-12-02-001-b40", "2026-12-02-001-b40.1", "2026-12-03-001-zzz"],  # another spec matches
        ["2026-12-02-001-b40", "2026-12-02-001-b40x.1"],  # not its member: a longer ID's member
        ["2026-12-02-001-b40", "2026-12-02-001-b40.old"],  # a dotted name, not a member number
    ],
)
def test_resolve_driver_does_not_win_against_other_specs(pool: list[str]) -> None:
    with pytest.raises(AmbiguousIdError):
        ids.resolve("001", pool)


def test_ambiguity_lists_the_first_ten_and_a_count() -> None:
    pool = [f"2026-12-02-0{n:02d}-abc" for n in range(10, 35)]
    with pytest.raises(AmbiguousIdError) as info:
        ids.resolve("abc", pool)
    message = info.value.message
    assert "matches 25 specs" in message
    assert all(spec_id in message for spec_id in pool[:10])
    assert pool[10] not in message
    assert message.endswith("and 15 more")
    assert len(info.value.candidates) == 25
