"""Spec IDs: generation, ordering and resolution (pure functions).

IDs look like ``YYYY-MM-DD-SSS-xxx`` (date, base-36 per-day sequence, random suffix); members append
``.N`` (and nested ``.N.M``). Any file stem is accepted as an ID so repositories made by other tools load.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from chant.errors import AmbiguousIdError, NotFoundError

BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz"
# ASCII digits only: ``\d`` also matches other scripts' digits, and ``str.isdigit`` accepts "²", which
# ``int()`` rejects -- sort_key("²") used to raise. Member numbers are bounded so ``int()`` can never hit
# Python's digit limit either; a longer numeric tail is simply not a member.
DATE_ID = re.compile(r"^([0-9]{4}-[0-9]{2}-[0-9]{2})-([0-9a-z]{1,8})-([0-9a-z]+)$")
_MEMBER_TAIL = re.compile(r"^(.*?)((?:\.[0-9]{1,9})+)$")
_MEMBER_PATH = re.compile(r"[0-9]{1,9}(?:\.[0-9]{1,9})*\Z")  # what follows "<driver>." in a member ID
_CHUNK = re.compile(r"[0-9]+|[^0-9]+")


def to_base36(number: int, width: int = 3) -> str:
    if number < 0:
        raise ValueError("negative sequence")
    digits = ""
    while number:
        number, rem = divmod(number, 36)
        digits = BASE36[rem] + digits
    return digits.rjust(width, "0")


def from_base36(text: str) -> int | None:
    """Parse a base-36 sequence; ``None`` for anything malformed (never raises)."""
    if not text or len(text) > 8 or any(ch not in BASE36 for ch in text):
        return None
    return int(text, 36)


def split_member(spec_id: str) -> tuple[str, tuple[int, ...]]:
    """``X.2.10`` -> ``("X", (2, 10))``; a non-member returns ``(id, ())``."""
    if "." not in spec_id:  # fast path: no member tail possible
        return spec_id, ()
    match = _MEMBER_TAIL.match(spec_id)
    if not match or not match.group(1):
        return spec_id, ()
    numbers = tuple(int(part) for part in match.group(2).split(".")[1:])
    return match.group(1), numbers


def parent_id(spec_id: str) -> str | None:
    """The driver one level up: ``X.2.1`` -> ``X.2``; ``X.2`` -> ``X``."""
    base, numbers = split_member(spec_id)
    if not numbers:
        return None
    if len(numbers) == 1:
        return base
    return base + "".join(f".{n}" for n in numbers[:-1])


def root_id(spec_id: str) -> str:
    return split_member(spec_id)[0]


def member_number(spec_id: str) -> int | None:
    numbers = split_member(spec_id)[1]
    return numbers[-1] if numbers else None


def sort_key(spec_id: str) -> tuple[object, ...]:
    """Natural order: dates, then the base-36 sequence numerically, then member numbers (``.2`` < ``.10``)."""
    base, numbers = split_member(spec_id)
    match = DATE_ID.match(base)
    if match:
        seq = from_base36(match.group(2))
        head: tuple[object, ...] = (0, match.group(1), seq if seq is not None else -1, match.group(3))
    else:
        head = (1, tuple(_chunk_key(c) for c in _CHUNK.findall(base)))
    return (*head, numbers)


def _chunk_key(chunk: str) -> tuple[int, int, str, str]:
    """Natural order for one run of a non-date ID: digit runs by value (without ``int()``), text as is."""
    if chunk[0] in "0123456789":
        digits = chunk.lstrip("0")
        return (0, len(digits), digits, chunk)
    return (1, 0, chunk, chunk)


_SORT_KEYS: dict[str, tuple[object, ...]] = {}


def _memo_sort_key(spec_id: str) -> tuple[object, ...]:
    """:func:`sort_key`, remembered: a listing sorts the same 5,000 IDs several times."""
    key = _SORT_KEYS.get(spec_id)
    if key is None:
        key = _SORT_KEYS[spec_id] = sort_key(spec_id)
    return key


def sorted_ids(ids: Iterable[str]) -> list[str]:
    return sorted(ids, key=_memo_sort_key)


def _canonical_sequence(text: str) -> int | None:
    """The value of a sequence chant itself would write (``00a``, ``zzz``, ``1000``), else ``None``: a
    hand-made ``0crlf`` must not push every later ID of the day to ``crlg``."""
    seq = from_base36(text)
    return seq if seq is not None and to_base36(seq) == text else None


def next_sequence(date: str, existing_ids: Iterable[str]) -> int:
    """One more than the highest sequence used on ``date`` (archived IDs included by the caller)."""
    highest = 0
    for spec_id in existing_ids:
        match = DATE_ID.match(root_id(spec_id))
        if match and match.group(1) == date:
            seq = _canonical_sequence(match.group(2))
            if seq is not None and seq > highest:
                highest = seq
    return highest + 1


_DATED = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}-")


def id_problem(spec_id: str) -> str | None:
    """Why a dated ID is not in chant's ``YYYY-MM-DD-SSS-xxx`` form (IDs without a date are other tools'
    and fine), or ``None``."""
    base = root_id(spec_id)
    if not _DATED.match(base):
        return None
    match = DATE_ID.match(base)
    if match is None:
        return f"'{spec_id}' starts with a date but is not YYYY-MM-DD-SSS-xxx (sequence, then a suffix)"
    if _canonical_sequence(match.group(2)) is None:
        return (
            f"'{spec_id}' has the sequence '{match.group(2)}', not a 3-character base-36 number like 001 "
            "(chant add ignores it when numbering new specs)"
        )
    return None


def make_id(date: str, sequence: int, suffix: str | None = None) -> str:
    if suffix is None:
        import secrets  # here, not at the top: it pulls in hashlib/random (~8 ms of every `chant list`)

        suffix = "".join(secrets.choice(BASE36) for _ in range(3))
    return f"{date}-{to_base36(sequence)}-{suffix}"


def resolve(query: str, ids: Sequence[str]) -> str:
    """Exact ID, else a unique suffix, else a unique substring. Ambiguity lists the candidates.

    When every candidate but one is a member (at any depth) of that one, the driver wins: ``001`` names the
    driver ``...-001-x4f`` although its members ``...-001-x4f.1``, ``.2`` contain ``001`` too.
    """
    query = query.strip()
    if not query:
        raise NotFoundError("Empty spec ID")
    if query.endswith(".md"):
        query = query[:-3].rsplit("/", 1)[-1]
    if query in ids:
        return query
    for matcher in (str.endswith, str.__contains__):
        found = [spec_id for spec_id in ids if matcher(spec_id, query)]
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            driver = _driver_of_all(found)
            if driver is not None:
                return driver
            raise AmbiguousIdError(query, sorted_ids(found))
    raise NotFoundError(f"Spec not found: {query}", hint="run `chant list` to see spec IDs")


def _driver_of_all(found: list[str]) -> str | None:
    """The one candidate every other candidate is a member of, if there is one."""
    driver = min(found, key=len)  # a driver's ID is a prefix of its members', so it is the shortest
    if all(other == driver or is_member_of(other, driver) for other in found):
        return driver
    return None


def is_member_of(spec_id: str, driver_id: str) -> bool:
    """``X.2`` and ``X.2.1`` are members of ``X`` (at any depth); ``X.old`` and ``Xy.1`` are not."""
    prefix = driver_id + "."
    return spec_id.startswith(prefix) and _MEMBER_PATH.match(spec_id, len(prefix)) is not None
