"""The hazard log is part of the code: every hazard names the tests that prove its mitigation, and each of those
tests exists."""
from __future__ import annotations

import ast
import re
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOG = ROOT / "docs" / "safety" / "hazard-log.md"
NODE = re.compile(r"`(tests/[\w/]+\.py)::(test_\w+)(?:\[[^\]]*\])?`")

# What the log must cover at least: one hazard row for each, found by these words in its hazard column.
REQUIRED = ["urgent request not seen", "advice not read", "awaiting information", "leave or deactivation",
            "wrong client", "outdated or retired template", "scheduler stopped", "nobody on duty",
            "lost or duplicated message", "overbooking", "identifiers typed into free text",
            "misread as a referral"]


def hazards() -> list[list[str]]:
    """The log's rows, each a list of its cells (id, hazard, cause, effect, before, mitigation, after, tests)."""
    rows = [line for line in LOG.read_text(encoding="utf-8").splitlines() if re.match(r"\| H\d+ \|", line)]
    return [[cell.strip() for cell in row.strip("|").split(" | ")] for row in rows]


@lru_cache(maxsize=None)
def defined_tests(path: str) -> set[str]:
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    return {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")}


def test_every_hazard_has_every_column_and_a_unique_id():
    rows = hazards()
    assert len(rows) >= len(REQUIRED)
    assert all(len(row) == 8 for row in rows), [row[0] for row in rows if len(row) != 8]
    ids = [row[0] for row in rows]
    assert len(ids) == len(set(ids))
    for row in rows:
        for before_or_after in (row[4], row[6]):
            severity, likelihood, risk = map(int, re.fullmatch(r"(\d) × (\d) = (\d+)", before_or_after).groups())
            assert severity * likelihood == risk and 1 <= severity <= 5 and 1 <= likelihood <= 5, row[0]


def test_the_log_covers_the_hazards_it_must():
    named = " ".join(row[1].lower() for row in hazards())
    assert [topic for topic in REQUIRED if topic not in named] == []


def test_every_hazard_names_tests_and_every_test_it_names_exists():
    missing = []
    for row in hazards():
        nodes = NODE.findall(row[7])
        assert nodes, f"{row[0]} names no test"
        missing += [f"{row[0]}: {path}::{name}" for path, name in nodes
                    if not (ROOT / path).is_file() or name not in defined_tests(path)]
    assert missing == []


def test_the_readme_links_the_safety_case():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "docs/safety/hazard-log.md" in readme and "docs/safety/safety-case.md" in readme
