"""Imported once before the fuzz cases fork: load a sample package, so that
every case starts with the loader's imports and lazy set-up done."""
import contextlib
import io

import fuzz_cases
from helpers import cli
from helpers.load import read_package

for _package in fuzz_cases.sample_packages()[:1]:
    read_package(_package)
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        cli.main(["measures", str(_package)])
