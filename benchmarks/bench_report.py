"""Benchmark report rendering against the plain loop a user would write, and against the floor.

    .venv/bin/python benchmarks/bench_report.py                 # 20 projects, 3 repeats
    .venv/bin/python benchmarks/bench_report.py --projects 10 --repeats 1

Everything runs on this machine in one run, and the table gives medians over
the repeats:

- ``workbook report <id>``: one report, HTML only, then HTML + PDF (the command
  as a user runs it, Python start-up included);
- ``workbook report --all`` over N generated projects (copies of the five
  samples with new ids, in a temporary data folder), HTML + PDF, with
  ``--jobs 1`` and ``--jobs 2``;
- (a) the plain loop: per project, the ``papermill`` command, then ``jupyter
  nbconvert --to html --no-input`` (removing the other language's cells), then
  the ``weasyprint`` command;
- (b) the floor: in one process, per project, a notebook that only starts a
  kernel and imports pandas, matplotlib and seaborn; with 1 and 2 at a time.

Goals: ``--all --jobs 2`` at least 4 times faster than (a), and within 2 times
of (b) at the same parallelism. Not part of the tests.
"""
from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SAMPLES = ROOT / "data" / "projects"
NOTEBOOK = ROOT / "notebooks" / "project_report.ipynb"
FIXTURE = ROOT / "tests" / "fixtures" / "notebooks" / "minimal_report.ipynb"


def make_projects(target: Path, count: int) -> list[str]:
    """``count`` packages: the samples in turn, each with a new id (the folder name and project.yml's id)."""
    samples = sorted(p for p in SAMPLES.iterdir() if (p / "project.yml").is_file())
    ids = []
    for index in range(count):
        sample = samples[index % len(samples)]
        new_id = f"{sample.name}-copy{index:02d}"
        folder = target / new_id
        shutil.copytree(sample, folder)
        text = (folder / "project.yml").read_text(encoding="utf-8")
        (folder / "project.yml").write_text(text.replace(f"id: {sample.name}\n", f"id: {new_id}\n", 1),
                                            encoding="utf-8")
        ids.append(new_id)
    return ids


def cpu_seconds() -> float:
    """CPU time of this process and of every child process that ended (kernels, workers, commands)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed(function) -> tuple[float, float]:
    """Wall-clock and CPU seconds of ``function()``: the CPU time does not depend on what else the
    machine is doing, the wall-clock time does."""
    cpu, started = cpu_seconds(), time.perf_counter()
    function()
    return time.perf_counter() - started, cpu_seconds() - cpu


def run(command: list[str], cwd: Path | None = None) -> None:
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"failed ({result.returncode}): {' '.join(map(str, command))}\n{result.stderr[-3000:]}")


def workbook(*arguments: str) -> None:
    run([str(BIN / "workbook"), "report", *arguments, "--no-progress"])


def plain_loop(notebook: Path, data_dir: Path, ids: list[str], out: Path) -> None:
    """What a user would write: three commands per project, one project after the other."""
    for project in ids:
        executed = out / f"{project}.ipynb"
        run([str(BIN / "papermill"), str(notebook), str(executed), "-p", "project", project, "-p", "lang", "vi",
             "-p", "data_dir", str(data_dir), "--no-progress-bar", "--cwd", str(notebook.parent)])
        run([str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input",
             "--TagRemovePreprocessor.remove_cell_tags=['lang-en']", str(executed)])
        run([str(BIN / "weasyprint"), str(executed.with_suffix(".html")), str(executed.with_suffix(".pdf"))])


def floor(count: int, jobs: int) -> None:
    """A notebook that only starts a kernel and imports the data stack, once per project, in this process."""
    import nbformat
    from nbclient import NotebookClient

    def one(_index: int) -> None:
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import pandas, matplotlib, seaborn")])
        NotebookClient(nb, kernel_name="python3", timeout=120).execute(stderr=subprocess.DEVNULL)

    if jobs == 1:
        for index in range(count):
            one(index)
    else:
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            list(pool.map(one, range(count)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=20, help="generated projects for the batch runs (default 20)")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each case; the table shows medians (default 3)")
    parser.add_argument("--notebook", type=Path, default=None, help="default: notebooks/project_report.ipynb")
    args = parser.parse_args()
    notebook = args.notebook or (NOTEBOOK if NOTEBOOK.is_file() else FIXTURE)

    work = Path(tempfile.mkdtemp(prefix="bench-report-"))
    try:
        data_dir = work / "projects"
        ids = make_projects(data_dir, args.projects)
        one = ids[0]
        nb = ["--notebook", str(notebook), "--data-dir", str(data_dir)]
        cases = {
            "one report, html": lambda out: workbook(one, "--format", "html", "--out", str(out), *nb),
            "one report, html+pdf": lambda out: workbook(one, "--out", str(out), *nb),
            f"--all, {len(ids)} projects, --jobs 1": lambda out: workbook("--all", "--jobs", "1", "--out", str(out),
                                                                          *nb),
            f"--all, {len(ids)} projects, --jobs 2": lambda out: workbook("--all", "--jobs", "2", "--out", str(out),
                                                                          *nb),
            f"(a) plain loop, {len(ids)} projects": lambda out: plain_loop(notebook, data_dir, ids, out),
            f"(b) floor, {len(ids)} kernels, 1 at a time": lambda out: floor(len(ids), 1),
            f"(b) floor, {len(ids)} kernels, 2 at a time": lambda out: floor(len(ids), 2),
        }
        times: dict[str, list[float]] = {name: [] for name in cases}
        cpu: dict[str, list[float]] = {name: [] for name in cases}
        for repeat in range(args.repeats):
            for name, case in cases.items():
                out = work / f"out-{repeat}-{len(times[name])}-{abs(hash(name))}"
                out.mkdir()
                wall, used = timed(lambda: case(out))
                times[name].append(wall)
                cpu[name].append(used)
                shutil.rmtree(out, ignore_errors=True)
                print(f"  repeat {repeat + 1}/{args.repeats}: {name}: {wall:.1f} s, {used:.1f} CPU s", file=sys.stderr)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    median = {name: statistics.median(values) for name, values in times.items()}
    median_cpu = {name: statistics.median(values) for name, values in cpu.items()}
    names = list(cases)
    batch1, batch2, loop, floor1, floor2 = names[2], names[3], names[4], names[5], names[6]
    shown = notebook.relative_to(ROOT) if notebook.is_relative_to(ROOT) else notebook.name
    load = os.getloadavg()[0]
    print(f"\nReport rendering: notebook {shown}, {os.cpu_count()} CPU(s), median of {args.repeats} run(s), "
          f"load average {load:.1f} at the end\n")
    width = max(map(len, names))
    print(f"{'case':<{width}}  {'median s':>9}  {'min s':>7}  {'max s':>7}  {'s/project':>9}  {'CPU s':>7}")
    print(f"{'-' * width}  {'-' * 9}  {'-' * 7}  {'-' * 7}  {'-' * 9}  {'-' * 7}")
    for name in names:
        per = median[name] / (len(ids) if name not in names[:2] else 1)
        print(f"{name:<{width}}  {median[name]:>9.2f}  {min(times[name]):>7.2f}  {max(times[name]):>7.2f}  "
              f"{per:>9.2f}  {median_cpu[name]:>7.1f}")
    print()
    ratios = [
        ("plain loop / --all --jobs 2 (goal >= 4)", median[loop] / median[batch2],
         median_cpu[loop] / median_cpu[batch2]),
        ("--all --jobs 2 / floor 2 at a time (goal <= 2)", median[batch2] / median[floor2],
         median_cpu[batch2] / median_cpu[floor2]),
        ("--all --jobs 1 / floor 1 at a time", median[batch1] / median[floor1],
         median_cpu[batch1] / median_cpu[floor1]),
        ("--all --jobs 1 / --all --jobs 2", median[batch1] / median[batch2], median_cpu[batch1] / median_cpu[batch2]),
    ]
    print(f"{'ratio':<50}  {'wall':>6}  {'CPU':>6}")
    for label, wall, used in ratios:
        print(f"{label:<50}  {wall:>6.2f}  {used:>6.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
