"""The order modules start in under xdist (tests/conftest.py): the longest first, so that no long
module starts last while the other worker has nothing left to do."""
from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from tests import conftest


def order(nodeids: list[str]) -> list[str]:
    items = [SimpleNamespace(nodeid=n) for n in nodeids]
    conftest.pytest_collection_modifyitems(None, items)
    return [i.nodeid for i in items]


def test_measured_long_modules_start_first_and_each_module_keeps_its_order():
    longer, shorter = sorted(["test_two_terminals", "test_server_setup"], key=lambda m: -conftest.MODULE_SECONDS[m])
    many_quick = [f"tests/test_validation.py::test_{i}" for i in range(30)]
    nodeids = [*many_quick, f"tests/{shorter}.py::test_a", f"tests/{longer}.py::test_b",
               f"tests/{longer}.py::test_a", "tests/test_masking.py::test_x"]
    assert order(nodeids) == [f"tests/{longer}.py::test_b", f"tests/{longer}.py::test_a",
                              f"tests/{shorter}.py::test_a", *many_quick, "tests/test_masking.py::test_x"]


def test_every_measured_module_exists():
    """A module renamed or split must not keep its old weight (nor lose it unnoticed)."""
    here = Path(__file__).parent
    assert [name for name in conftest.MODULE_SECONDS if not (here / f"{name}.py").exists()] == []
