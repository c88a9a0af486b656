"""The packages depend one way: features on core, consultations on the rota, never the rota on consultations;
and no package imports another's pages."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FEATURES = ("consult", "rota", "supervision", "formulations", "reach", "governance")


def _imports(package: str) -> set[tuple[str, str]]:
    """(module file, imported module) for every absolute import in the package, lazy ones inside functions too."""
    found = set()
    for path in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add((path.relative_to(ROOT).as_posix(), node.module))
            elif isinstance(node, ast.Import):
                found.update((path.relative_to(ROOT).as_posix(), alias.name) for alias in node.names)
    return found


def test_the_rota_knows_nothing_of_consultations():
    assert [(f, m) for f, m in _imports("rota") if m.split(".")[0] == "consult"] == []


@pytest.mark.parametrize("package", FEATURES)
def test_no_package_imports_another_packages_pages(package):
    foreign_views = [(f, m) for f, m in _imports(package)
                     if m.split(".")[0] in FEATURES and m.split(".")[0] != package
                     and m.split(".")[-1].endswith("views")]
    assert foreign_views == []


def test_core_imports_no_feature_package():
    assert [(f, m) for f, m in _imports("core") if m.split(".")[0] in FEATURES + ("demo", "bench", "factory")] == []
