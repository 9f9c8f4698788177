"""Imports run one way: spheres (core) <- referrals <- followups <- committees <- research.

Walks every module of the apps with `ast` (module-level imports and imports inside functions
alike) and fails on an import of a higher app, except the one documented seam."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ORDER = ["spheres", "referrals", "followups", "committees", "research"]
RANK = {app: rank for rank, app in enumerate(ORDER)}
# Admission opens the follow-up in the same transaction (referrals/services/admission.py).
SEAM = {("referrals/services/admission.py", "followups.services")}


def modules():
    for app in ORDER:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.parts:
                yield app, path


def imported(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module


def upward_imports():
    found = []
    for app, path in modules():
        relative = path.relative_to(ROOT).as_posix()
        for name in imported(ast.parse(path.read_text(), filename=relative)):
            target = name.split(".")[0]
            if target in RANK and RANK[target] > RANK[app] and (relative, name) not in SEAM:
                found.append(f"{relative} imports {name}")
    return found


def test_no_app_imports_a_higher_one():
    assert upward_imports() == []


def test_the_walk_sees_the_documented_seam():
    """The counterpart: the walk does find an upward import when there is one."""
    tree = ast.parse((ROOT / "referrals/services/admission.py").read_text())
    assert "followups.services" in set(imported(tree))


@pytest.mark.parametrize("app", ORDER)
def test_every_app_is_walked(app):
    assert any(a == app for a, _path in modules())
