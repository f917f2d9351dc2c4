"""Stress: corrupt every sample file many ways, load each copy, print a result table.

The long run of tests/fuzz (which checks a small fixed set): every corruption
kind of tests/fuzz/fuzz_cases.py on every file of every sample package
(data/projects and tests/fixtures/packages), with ``--seeds`` seeds each. Each
case runs in a child process killed after ``--timeout`` seconds. The table
has, per kind: cases, outcomes (valid / errors / crash / timeout), broken
promises (a traceback, a row dropped silently, a problem not naming its file;
see fuzz_cases.check_package), how often a reader raised and was turned into an
error ("cannot be read (...)"), and the most seconds one case took.

    python benchmarks/stress_fuzz.py [--seeds 3] [--jobs 2] [--timeout 20] [--kind truncate ...]

Exit code 1 when any case crashed, timed out or broke a promise.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "fuzz"))

import fuzz_cases  # noqa: E402

COLUMNS = ("kind", "cases", "valid", "errors", "crash", "timeout", "broken", "reader exc.", "max s")


def table(results: list[fuzz_cases.Result]) -> list[tuple]:
    by_kind: dict[str, list[fuzz_cases.Result]] = defaultdict(list)
    for result in results:
        by_kind[result.case.kind].append(result)
    rows = []
    for kind in fuzz_cases.ALL_KINDS + sorted(set(by_kind) - set(fuzz_cases.ALL_KINDS)):
        group = by_kind.get(kind)
        if not group:
            continue
        count = lambda outcome: sum(r.outcome == outcome for r in group)  # noqa: E731
        rows.append((kind, len(group), count("valid"), count("errors"), count("crash"), count("timeout"),
                     sum(bool(r.violations) for r in group), sum(r.reader_exceptions > 0 for r in group),
                     f"{max(r.seconds for r in group):.2f}"))
    totals = [sum(r[i] for r in rows) for i in range(1, 8)]
    rows.append(("all", *totals, f"{max((r.seconds for r in results), default=0):.2f}"))
    return rows


def print_table(rows: list[tuple]) -> None:
    cells = [COLUMNS] + [tuple(str(c) for c in row) for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(COLUMNS))]
    for index, row in enumerate(cells):
        print("| " + " | ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths)))
              + " |")
        if index == 0:
            print("|" + "|".join("-" * (w + 2) if i == 0 else "-" * (w + 1) + ":" for i, w in enumerate(widths)) + "|")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=3, help="seeds per (file, kind) (default 3)")
    parser.add_argument("--jobs", type=int, default=2, help="cases run at once (default 2)")
    parser.add_argument("--timeout", type=float, default=20.0, help="seconds before a case is killed (default 20)")
    parser.add_argument("--kind", action="append", help="only these corruption kinds (repeatable)")
    args = parser.parse_args(argv)

    cases = fuzz_cases.all_cases(range(args.seeds))
    if args.kind:
        cases = [c for c in cases if c.kind in args.kind]
    packages = fuzz_cases.sample_packages()
    print(f"{len(cases)} cases: {len(fuzz_cases.targets())} files of {len(packages)} sample packages, "
          f"{len({c.kind for c in cases})} corruption kinds, {args.seeds} seed(s); "
          f"{args.jobs} at a time, killed after {args.timeout:g} s\n")
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="stress-fuzz-") as workdir:
        results = fuzz_cases.run_cases(cases, Path(workdir), timeout=args.timeout, jobs=args.jobs)
    print_table(table(results))
    print(f"\n{time.perf_counter() - started:.0f} s in all")
    bad = [r for r in results if r.violations or r.outcome in ("crash", "timeout")]
    if bad:
        print(f"\n{len(bad)} case(s) broke a promise; the first 20:")
        for result in bad[:20]:
            print(f"- {result.case.id} ({result.outcome}, {result.seconds:.2f} s)")
            for violation in result.violations[:3]:
                print("    " + violation.strip().splitlines()[-1][:300])
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
