"""The README's engineer map names every module: a module nobody can find is a module someone rewrites.

Every ``.py`` under ``models/``, ``screens/`` and ``tui/`` (but ``__init__.py`` and the numbered
migrations) must be named by its path from the repository root in the README's "For engineers"
section, and every such path named there must exist (a moved module leaves no stale line behind).
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ("models", "screens", "tui")
SECTION = "## For engineers"
# a path to a Python file of the code or the tests, as the README writes it: `tui/widgets/guard.py`
NAMED_PATH = re.compile(r"(?<![\w/.])((?:models|screens|tui|tests|bench)/[\w/]+\.py)(?![\w])")


def engineer_section(readme: str) -> str:
    """The text from the "For engineers" heading to the next heading of the same level."""
    start = readme.index(SECTION)
    end = readme.find("\n## ", start + len(SECTION))
    return readme[start:] if end < 0 else readme[start:end]


def modules(root: Path) -> list[str]:
    """Every module the map must name, as a path from the repository root."""
    found = []
    for layer in LAYERS:
        for path in sorted((root / layer).rglob("*.py")):
            rel = path.relative_to(root)
            if path.name == "__init__.py" or "migrations" in rel.parts or "__pycache__" in rel.parts:
                continue
            found.append(rel.as_posix())
    return found


def unnamed(section: str, paths: list[str]) -> list[str]:
    named = set(NAMED_PATH.findall(section))
    return [p for p in paths if p not in named]


def stale(section: str, root: Path) -> list[str]:
    return sorted({p for p in NAMED_PATH.findall(section) if not (root / p).is_file()})


@pytest.mark.parametrize("section, paths, missing", [
    ("- `tui/widgets/guard.py` — the guard", ["tui/widgets/guard.py"], []),
    ("- `tui/widgets/guard.py` — the guard", ["tui/widgets/guard.py", "tui/widgets/text.py"], ["tui/widgets/text.py"]),
    ("`guard.py` in `tui/widgets/`", ["tui/widgets/guard.py"], ["tui/widgets/guard.py"]),  # the whole path, or not at all
    ("`tui/export/table.py`", ["tui/export.py"], ["tui/export.py"]),
    ("`screens/tui/app.py.bak`", ["tui/app.py"], ["tui/app.py"]),  # inside another path does not count
    ("`models/calendar/lunar.py`: lunar dates", ["models/calendar/lunar.py"], []),
])
def test_a_module_counts_as_named_only_by_its_whole_path(section, paths, missing):
    assert unnamed(section, paths) == missing


def test_the_engineer_map_names_every_module():
    section = engineer_section((ROOT / "README.md").read_text(encoding="utf-8"))
    missing = unnamed(section, modules(ROOT))
    assert not missing, (
        "README.md, section \"For engineers\", module map: add one line for each of these modules, under its "
        "folder's list, as\n  - `PATH` — what the module is for, in a few words\n" + "\n".join(missing))


def test_the_engineer_map_names_no_module_that_is_gone():
    section = engineer_section((ROOT / "README.md").read_text(encoding="utf-8"))
    gone = stale(section, ROOT)
    assert not gone, ("README.md, section \"For engineers\", names files that do not exist (moved or removed): "
                      "change or remove these lines\n" + "\n".join(gone))
