"""Benchmark: load + validate + compute every measure on a large package.

Generates a package with N services rows (default 2,000,000) as Parquet and as
CSV under benchmarks/out/, then times, each in a fresh process and repeated,

* ``workbook``: ``load_project`` + ``measures.compute`` (what the CLI does),
* ``floor``: plain pandas reading the same file and counting distinct people
  per service: the least any loader could do,

and prints medians, the ratio to the floor, and the peak memory (max RSS).

    python benchmarks/bench_load.py [--rows 2000000] [--repeat 3]

Goals (issue: data packages): Parquet < 10 s and < 2 GB; CSV < 30 s.
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd

OUT = Path(__file__).resolve().parent / "out"

PROJECT_YML = """\
id: {id}
title: {{vi: Gói dữ liệu lớn để đo tốc độ, en: Large package for benchmarks}}
communes: [{communes}]
period: {{start: 2023-01-01, end: 2023-12-31}}
budget: 5000000000
"""


def make_package(rows: int, form: str, seed: int = 7) -> Path:
    """A valid package with ``rows`` services rows, in ``form`` (parquet|csv)."""
    folder = OUT / f"bench-{form}-{rows}"
    if (folder / "project.yml").exists():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    communes = [f"Xã Số {i}" for i in range(1, 41)]
    people = rows // 3
    person = rng.integers(0, people, rows)
    dates = pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 365, rows), unit="D")
    frame = pd.DataFrame({
        "person_id": pd.Series(person).map(lambda i: f"P-{i:07d}"),
        "date": dates.strftime("%d/%m/%Y") if form == "csv" else dates,
        "commune": np.array(communes)[person % len(communes)],
        "service": rng.choice(["counselling", "legal_aid", "health_check", "enrollment", "renewal"], rows),
        "sex": np.where(person % 2 == 0, "female", "male"),
        "birth_year": 1940 + person % 70,
        "ethnicity": np.where(person % 5 == 0, "Kinh", "Mường"),
        "household": np.array(["poor", "near_poor", "other"])[person % 3],
    })
    if form == "csv":
        frame.to_csv(folder / "services.csv", index=False)
    else:
        frame.to_parquet(folder / "services.parquet", index=False)
    (folder / "project.yml").write_text(
        PROJECT_YML.format(id=folder.name, communes=", ".join(communes)), encoding="utf-8")
    return folder


WORKBOOK = """
import json, resource, time
t0 = time.perf_counter()
from helpers import load_project, compute
p = load_project({folder!r})
values = compute(p)
t1 = time.perf_counter()
print(json.dumps({{"seconds": t1 - t0, "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "people": values["people_served"]}}))
"""

FLOOR = """
import json, resource, time
t0 = time.perf_counter()
import pandas as pd
path = {path!r}
frame = pd.read_parquet(path) if path.endswith(".parquet") else pd.read_csv(path, dtype=str)
counts = frame.groupby("service")["person_id"].nunique()
people = frame["person_id"].nunique()
t1 = time.perf_counter()
print(json.dumps({{"seconds": t1 - t0, "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "people": int(people)}}))
"""


def run(code: str) -> dict:
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True)
    if result.returncode:
        raise SystemExit(f"benchmark run failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    table = []
    for form, goal in (("parquet", 10.0), ("csv", 30.0)):
        folder = make_package(args.rows, form)
        path = str(next(folder.glob("services.*")))
        samples = {"workbook": [], "floor": []}
        for _ in range(args.repeat):  # interleaved, so machine noise hits both alike
            samples["workbook"].append(run(WORKBOOK.format(folder=str(folder))))
            samples["floor"].append(run(FLOOR.format(path=path)))
        assert samples["workbook"][0]["people"] == samples["floor"][0]["people"], "the two runs disagree"
        floor = statistics.median(s["seconds"] for s in samples["floor"])
        for name, runs in samples.items():
            median = statistics.median(s["seconds"] for s in runs)
            memory = max(s["maxrss_mb"] for s in runs)
            table.append((form, name, median, median / floor, memory, goal if name == "workbook" else None))
    print(f"services rows: {args.rows:,}; runs per line: {args.repeat} (median); each run a fresh process\n")
    print(f"{'form':8} {'run':9} {'median s':>9} {'× floor':>8} {'peak MB':>8}  goal")
    for form, name, median, ratio, memory, goal in table:
        verdict = "" if goal is None else (f"< {goal:.0f} s, < 2048 MB: "
                                           + ("met" if median < goal and memory < 2048 else "NOT met"))
        print(f"{form:8} {name:9} {median:9.2f} {ratio:8.2f} {memory:8.0f}  {verdict}")


if __name__ == "__main__":
    main()
