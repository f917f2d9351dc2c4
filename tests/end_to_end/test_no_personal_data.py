"""No personal data in any output, for a package whose identifiers and texts
are unusual strings: every file the renderer writes (HTML, PDF text, the
executed notebook, indicators.csv, index.html) is scanned for every person_id,
and hostile text is shown as text, never run."""
from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml
from pypdf import PdfReader

from helpers import cli, load_project
from helpers.config import DATA_DIR

SOURCE = DATA_DIR / "cao-phong-2021"
HOSTILE_TITLE = "<script>alert('x')</script> & Dự án"
# Pseudonyms a tool could mangle or a scan could miss: punctuation, a formula, non-Latin letters.
UNUSUAL = ["=HYPERLINK(\"x\")-{n}", "@sum-{n}", "+7-{n}", "ñÅø-{n}", "名前-{n}", "q\"uote-{n}", "tab\\x-{n}"]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    base = tmp_path_factory.mktemp("privacy")
    data = base / "projects"
    folder = data / "unusual-ids"
    shutil.copytree(SOURCE, data / "unusual-ids")
    meta = yaml.safe_load((folder / "project.yml").read_text(encoding="utf-8"))
    meta["id"] = "unusual-ids"
    meta["title"] = {"vi": HOSTILE_TITLE, "en": HOSTILE_TITLE}
    (folder / "project.yml").write_text(yaml.safe_dump(meta, allow_unicode=True), encoding="utf-8")
    services = pd.read_excel(folder / "services.xlsx", dtype=object)
    id_column = services.columns[0]
    originals = list(dict.fromkeys(services[id_column]))
    mapping = {old: UNUSUAL[i % len(UNUSUAL)].format(n=i) for i, old in enumerate(originals)}
    services[id_column] = services[id_column].map(mapping)
    # CSV: in a spreadsheet cell "=..." would be a formula; in CSV it is the pseudonym as typed.
    (folder / "services.xlsx").unlink()
    services.to_csv(folder / "services.csv", index=False)
    project = load_project(folder)  # the package is valid
    assert set(project.services["person_id"]) == set(mapping.values())
    out = base / "reports"
    code = cli.main(["report", "--all", "--data-dir", str(data), "--out", str(out), "--lang", "both",
                     "--jobs", "1", "--no-progress"])
    assert code == 0
    return out, sorted(mapping.values())


def _texts(out: Path) -> dict[str, str]:
    texts = {}
    for path in sorted(p for p in out.rglob("*") if p.is_file() and not p.name.startswith(".")):
        if path.suffix == ".pdf":
            texts[str(path)] = "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)
        else:
            texts[str(path)] = path.read_text(encoding="utf-8", errors="replace")
    return texts


def test_every_output_file_is_scanned(rendered):
    out, _ = rendered
    names = {Path(p).name for p in _texts(out)}
    assert {"report.html", "report.pdf", "report.ipynb", "indicators.csv", "index.html",
            "report.en.html", "report.en.pdf", "report.en.ipynb"} <= names


def test_no_person_id_in_any_output(rendered):
    out, person_ids = rendered
    for path, text in _texts(out).items():
        leaked = [pid for pid in person_ids if pid in text]
        assert not leaked, f"{path} contains person_id(s) {leaked[:3]}"


def test_hostile_title_is_text_not_markup(rendered):
    out, _ = rendered
    for name in ("report.html", "report.en.html", "index.html"):
        path = next(out.rglob(name))
        page = path.read_text(encoding="utf-8")
        assert "<script>alert(" not in page, f"{name} carries the title as markup"
        assert "&lt;script&gt;alert(" in page, f"{name} does not show the title"
