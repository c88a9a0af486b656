"""The packages depend one way: features on core, consultations on the rota, never the rota on consultations;
and only the app factory gathers the pages (a package's own page modules may share a helper)."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FEATURES = ("consult", "rota", "directory", "library", "supervision", "formulations", "reach", "governance")


def _imports(package: str) -> set[tuple[str, str]]:
    """(module file, imported module) for every import in the package, lazy ones inside functions too. Relative
    imports are resolved, and `from x import y` counts as importing x.y as well as x, since y may be a module."""
    found = set()
    for path in (ROOT / package).rglob("*.py"):
        name = path.relative_to(ROOT).as_posix()
        here = name.removesuffix(".py").removesuffix("/__init__").split("/")
        if not name.endswith("__init__.py"):
            here = here[:-1]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                base = ".".join([*here[:len(here) - node.level + 1], *([node.module] if node.module else [])]) \
                    if node.level else node.module
                found.add((name, base))
                found.update((name, f"{base}.{alias.name}") for alias in node.names)
            elif isinstance(node, ast.Import):
                found.update((name, alias.name) for alias in node.names)
    return found


def test_the_rota_knows_nothing_of_consultations():
    assert [(f, m) for f, m in _imports("rota") if m.split(".")[0] == "consult"] == []


@pytest.mark.parametrize("package", FEATURES)
def test_no_package_imports_another_packages_pages(package):
    foreign_views = [(f, m) for f, m in _imports(package)
                     if m.split(".")[0] in FEATURES and m.split(".")[0] != package
                     and m.split(".")[-1].endswith("views")]
    assert foreign_views == []


@pytest.mark.parametrize("package", (*FEATURES, "demo", "bench"))
def test_only_the_factory_imports_pages(package):
    """A package's own page modules may share a helper; nothing else imports a page module."""
    def is_page(module: str) -> bool:
        return module.split(".")[-1].endswith("views")
    imported = [(f, m) for f, m in _imports(package)
                if is_page(m) and not (is_page(f.removesuffix(".py")) and m.startswith(f"{package}."))]
    assert imported == []


def test_core_imports_no_feature_package():
    assert [(f, m) for f, m in _imports("core") if m.split(".")[0] in FEATURES + ("demo", "bench", "factory")] == []
