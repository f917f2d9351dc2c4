"""helpers: load, validate, measure and report BHYT outreach projects.

>>> from helpers import load_project, compute            # doctest: +SKIP
>>> p = load_project("cao-phong-2021")                   # doctest: +SKIP
>>> compute(p)["people_examined"]                        # doctest: +SKIP
521
"""
from .errors import Problem, ProjectNotFound, ValidationFailed, WorkbookError
from .load import load_project, load_projects, read_package
from .measures import MEASURES, compute
from .portfolio import load_all
from .project import Project

__all__ = [
    "MEASURES", "Problem", "Project", "ProjectNotFound", "ValidationFailed", "WorkbookError",
    "compute", "load_all", "load_project", "load_projects", "read_package",
]
__version__ = "0.1.0"
