"""The ``workbook`` command. Thin: parses arguments, calls helpers, sets the exit code.

Commands that do not render (``validate``, ``measures``) import neither
papermill, nbconvert nor matplotlib, so they start fast.
"""
from __future__ import annotations

import argparse
import importlib
import os
import sys
from pathlib import Path

#: name → (module with ``add_arguments(parser)`` and ``run(args) -> int``, help)
COMMANDS = {
    "validate": ("helpers.cli", "check a data package and list every problem as file:row:column: message"),
    "measures": ("helpers.cli", "compute every measure of a project, with targets and published figures"),
    "report": ("helpers.render", "render the evaluation report (HTML, PDF) of one project or all"),
    "template": ("helpers.template", "write an Excel data-entry template (one sheet per table, drop-downs, notes)"),
    "import-kobo": ("helpers.kobo", "turn a KoBoToolbox export (xlsx/csv) into the package's tables, via mapping.yml"),
    "export-iati": ("helpers.iati", "write the project's results as an IATI 2.03 activity file (XML)"),
}

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2


def _add_project_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("project", help="project id (a folder of --data-dir) or the path of a package folder")
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="folder of project packages (default: data/projects)")


def add_arguments_validate(parser: argparse.ArgumentParser) -> None:
    _add_project_arguments(parser)
    parser.add_argument("--quiet", action="store_true", help="print errors only, not warnings")


def add_arguments_measures(parser: argparse.ArgumentParser) -> None:
    _add_project_arguments(parser)
    parser.add_argument("--csv", action="store_true", help="print measure,value as CSV, full precision")
    parser.add_argument("--lang", choices=("vi", "en"), default="en", help="language of measure labels")


def run_validate(args: argparse.Namespace) -> int:
    from .load import read_package, resolve

    folder = resolve(args.project, args.data_dir)
    project, problems = read_package(folder)
    shown = [p for p in problems if p.is_error or not args.quiet]
    for problem in shown:
        print(problem)
    errors = sum(p.is_error for p in problems)
    warnings = len(problems) - errors
    where = folder.name
    if errors:
        print(f"{where}: {errors} error(s), {warnings} warning(s): not valid", file=sys.stderr)
        return EXIT_INVALID
    print(f"{where}: valid ({warnings} warning(s))", file=sys.stderr)
    return EXIT_OK


def _plain(value, kind: str) -> str:
    if value is None or value == "":
        return ""
    if kind == "count":
        return f"{int(value):,}"
    if kind == "money":
        return f"{value:,.0f}"
    if kind == "change":
        return f"{value * 100:+.2f} pts"
    return f"{value * 100:.2f}%"


def run_measures(args: argparse.Namespace) -> int:
    import csv

    from .load import load_project
    from .measures import MEASURES, compute
    from .quality import reconcile

    project = load_project(args.project, args.data_dir)
    for warning in project.warnings:
        print(warning, file=sys.stderr)
    values = compute(project)
    if args.csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(["measure", "value"])
        for name, value in values.items():
            writer.writerow([name, repr(value) if isinstance(value, float) else value])
        return EXIT_OK
    targets = project.meta.get("targets") or {}
    verdicts = reconcile(project, values).set_index("measure")["verdict"].to_dict()
    reported = project.meta.get("reported") or {}
    names = list(values) + [n for n in {**targets, **reported} if n not in values]
    rows = [("measure", "value", "target", "reported", "verdict")]
    for name in names:
        kind = MEASURES[name].kind
        rows.append((name, _plain(values.get(name), kind), _plain(targets.get(name), kind),
                     _plain(reported.get(name), kind), verdicts.get(name, "")))
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    for index, row in enumerate(rows):
        print("  ".join(cell.rjust(w) if 0 < i < 4 else cell.ljust(w) for i, (cell, w) in enumerate(zip(row, widths))).rstrip())
        if index == 0:
            print("  ".join("-" * w for w in widths))
    return EXIT_OK


add_arguments = {"validate": add_arguments_validate, "measures": add_arguments_measures}
run = {"validate": run_validate, "measures": run_measures}


def main(argv: list[str] | None = None) -> int:
    from .errors import ProjectNotFound, ValidationFailed, WorkbookError

    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser_for(argv)
    args = parser.parse_args(argv)
    try:
        if getattr(args, "_run", None):
            return args._run(args)
        return importlib.import_module(args._module).run(args)
    except ValidationFailed as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(f"{len(exc.errors)} error(s): nothing was computed. Fix the data and run again.", file=sys.stderr)
        return EXIT_INVALID
    except ProjectNotFound as exc:
        print(f"workbook: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except WorkbookError as exc:
        print(f"workbook: {exc}", file=sys.stderr)
        return EXIT_INVALID
    except KeyboardInterrupt:
        print("workbook: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - a person gets a sentence, not a traceback
        if os.environ.get("WORKBOOK_DEBUG"):
            raise
        print(f"workbook: internal error: {type(exc).__name__}: {exc}\n"
              "This is a bug in the workbook, not in your data. Run again with WORKBOOK_DEBUG=1 "
              "to see the traceback, and report it.", file=sys.stderr)
        return 3


def build_parser_for(argv: list[str]) -> argparse.ArgumentParser:
    """A parser that imports only the module of the command being run: a fast
    start for validate/measures, and one command's missing dependency cannot
    break the others. ``--help`` without a command lists them all, unimported."""
    chosen = next((a for a in argv if not a.startswith("-")), None)
    parser = argparse.ArgumentParser(prog="workbook", description="BHYT outreach evaluation workbook")
    sub = parser.add_subparsers(dest="command", metavar="command", required=True)
    for name, (module_name, help_text) in COMMANDS.items():
        command = sub.add_parser(name, help=help_text, description=help_text)
        if name != chosen:
            continue
        if module_name == __name__:
            add_arguments[name](command)
            command.set_defaults(_run=run[name])
        else:
            command.set_defaults(_module=module_name)
            importlib.import_module(module_name).add_arguments(command)
    return parser


if __name__ == "__main__":
    sys.exit(main())
