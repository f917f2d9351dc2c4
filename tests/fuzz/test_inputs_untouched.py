"""Input packages are never written to: not by loading, validating or measuring.

Two checks on every sample package (data/projects and the fixtures): the bytes,
size and modification time of every file, and the list of files, are the same
before and after; and while the workbook runs, no file or folder of the package
is opened for writing, created, renamed, removed or has its mode or times
changed (seen through Python's audit hooks, which also see C code's opens).
"""
from __future__ import annotations

import contextlib
import hashlib
import io
import os
import sys
from pathlib import Path

import pytest

from helpers import cli
from helpers.load import load_project, read_package

_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
_WATCHED: list[Path] = []  # the package being watched, while one is
_WRITES: list[str] = []


def _audit(event: str, args: tuple) -> None:
    if not _WATCHED:
        return
    if event == "open":
        path, mode, flags = args
        writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
            mode is None and isinstance(flags, int) and flags & _WRITE_FLAGS)
        paths = [path] if writing else []
    elif event in ("os.remove", "os.rmdir", "os.mkdir", "os.chmod", "os.chown", "os.utime", "os.truncate",
                   "shutil.rmtree", "shutil.move", "shutil.copyfile"):
        paths = [args[0]] if event != "shutil.copyfile" else [args[1]]
    elif event in ("os.rename", "os.link", "os.symlink"):
        paths = [args[0], args[1]]
    else:
        return
    for path in paths:
        if isinstance(path, (str, bytes, os.PathLike)):
            try:
                resolved = Path(os.fsdecode(path)).resolve()
            except (OSError, ValueError):
                continue
            if resolved == _WATCHED[0] or _WATCHED[0] in resolved.parents:
                _WRITES.append(f"{event} {resolved}")


sys.addaudithook(_audit)  # cannot be removed; inert while nothing is watched


@contextlib.contextmanager
def watching(folder: Path):
    _WATCHED[:] = [folder.resolve()]
    _WRITES.clear()
    try:
        yield _WRITES
    finally:
        _WATCHED.clear()


def snapshot(folder: Path) -> dict[str, tuple]:
    state = {}
    for path in sorted(folder.rglob("*")):
        stat = path.stat()
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "folder"
        state[str(path.relative_to(folder))] = (digest, stat.st_size, stat.st_mtime_ns, stat.st_mode)
    state["."] = (folder.stat().st_mtime_ns, folder.stat().st_mode)
    return state


def run_everything(folder: Path) -> list[int]:
    codes = []
    read_package(folder)
    with contextlib.suppress(Exception):
        load_project(folder)
    for command in ("validate", "measures"):
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            codes.append(cli.main([command, str(folder)]))
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        codes.append(cli.main(["measures", str(folder), "--csv"]))
    return codes


def test_sample_packages_are_not_written_to(sample_packages):
    for folder in sample_packages:
        before = snapshot(folder)
        with watching(folder) as writes:
            codes = run_everything(folder)
        assert writes == [], f"{folder.name}: {writes}"
        assert snapshot(folder) == before, folder.name
        assert codes == [0, 0, 0], folder.name


def test_the_watch_sees_a_write(tmp_path):
    (tmp_path / "events.csv").write_text("x")
    with watching(tmp_path) as writes:
        (tmp_path / "events.csv").open("a").close()
        with (tmp_path / "events.csv").open("rb"):
            pass
    assert len(writes) == 1 and writes[0].startswith("open ")


@pytest.mark.parametrize("damage", ["truncate", "cp1258", "xlsx_formulas", "header_in_row_2", "sparse_1gb"])
def test_damaged_packages_are_not_written_to_either(tmp_path, sample_packages, damage):
    import fuzz_cases

    case = next(c for c in fuzz_cases.default_cases() if c.kind == damage)
    folder = fuzz_cases.make_case(case, tmp_path)
    before = snapshot(folder) if damage != "sparse_1gb" else None
    with watching(folder) as writes:
        run_everything(folder)
    assert writes == []
    if before is not None:
        assert snapshot(folder) == before
