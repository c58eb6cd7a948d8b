"""`make bench-quick` on a fresh clone runs every benchmark in one database: the persons one
benchmark lays must never carry an ID number another one lays (the resident-submit benchmark's
numbers were the import benchmark's: a UniqueViolation on person_id_digest_unique, issue 9)."""
from __future__ import annotations

import datetime as dt

from benchmarks import bench_import, bench_resident_submit as submit
from benchmarks.city import DISTRICTS


def resident_numbers(households: int) -> list[str]:
    return [submit._person(i, k)[1] for i in range(households) for k in range(submit._members(i))]


def import_pid_for(number: str) -> int | None:
    """The person id whose ``bench_import.id_number`` would be ``number``, or None if none can be."""
    region, birth, sequence = number[:6], dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14])), \
        int(number[14:17])
    days = (birth - dt.date(1940, 1, 1)).days
    if region not in DISTRICTS or not 0 <= days < 20_000:
        return None
    return DISTRICTS.index(region) * 20_000_000 + sequence * 20_000 + days


def test_the_resident_benchmark_never_lays_a_number_the_import_benchmark_lays():
    numbers = resident_numbers(submit.FULL_SUBMITS + 200)  # the full size and the double clicks' spares
    assert len(set(numbers)) == len(numbers)
    clashes = [n for n in numbers if (pid := import_pid_for(n)) is not None and bench_import.id_number(pid) == n]
    assert clashes == [], clashes[:3]


def test_the_inversion_finds_an_import_number():
    """The check above can fail: an import number is found by it."""
    for pid in (0, 27_305, 20_000_000 + 12_345):
        number = bench_import.id_number(pid)
        assert import_pid_for(number) == pid
