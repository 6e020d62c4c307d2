"""The layout keeps its shape: layers point one way, the domain stays pure, the code stays clean.

The contracts themselves are in pyproject.toml (`[tool.importlinter]`) and explained in
docs/architecture.md; this module runs them with the suite, so a change that breaks the
layout fails like any other defect.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
PACKAGES = PYPROJECT["tool"]["importlinter"]["root_packages"]
BIN = Path(sys.executable).parent
MAX_LINES = 320  # "about 300"; a longer module says why in its docstring, after "Long module:"
# The parts of eventsourcing without persistence: aggregates and topic helpers.
PURE_EVENTSOURCING = {"eventsourcing.domain", "eventsourcing.utils"}


def _run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_import_contracts_hold() -> None:
    result = _run(str(BIN / "lint-imports"), "--no-cache")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    kept = re.search(r"Contracts: (\d+) kept, (\d+) broken", result.stdout)
    assert kept is not None and kept.group(2) == "0"
    assert int(kept.group(1)) == len(PYPROJECT["tool"]["importlinter"]["contracts"])


def test_the_layer_contract_can_break() -> None:
    """An arrow pointing up (the store importing the service) is reported, naming the line."""
    probe = ROOT / "store" / "_layout_probe.py"
    probe.write_text("import ledger.service  # noqa: F401\n")
    try:
        result = _run(str(BIN / "lint-imports"), "--no-cache", "--contract", "layers")
    finally:
        probe.unlink()
    assert result.returncode == 1
    assert "store._layout_probe -> ledger.service" in result.stdout


def test_domain_uses_only_the_pure_parts_of_eventsourcing() -> None:
    """import-linter forbids whole packages only; the library's store modules are checked here."""
    for path in sorted((ROOT / "domain").rglob("*.py")):
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            for name in names:
                if name.split(".")[0] == "eventsourcing":
                    assert name in PURE_EVENTSOURCING, f"{path.relative_to(ROOT)}: {name}"


def test_packages_are_installed_and_shipped_alike() -> None:
    """setuptools' list, import-linter's list and the image's COPY lines name the same packages."""
    found = PYPROJECT["tool"]["setuptools"]["packages"]["find"]["include"]
    assert sorted(p.removesuffix("*") for p in found) == sorted(PACKAGES)
    copied = re.findall(r"^COPY (\w+) \./\1$", (ROOT / "Dockerfile").read_text(), re.M)
    assert sorted(set(copied) - {"schema"}) == sorted(PACKAGES)
    on_disk = {p.parent.name for p in ROOT.glob("*/__init__.py")} - {"tests"}
    assert on_disk == set(PACKAGES)


@pytest.mark.parametrize("package", PACKAGES)
def test_modules_are_small_or_say_why(package: str) -> None:
    for path in sorted((ROOT / package).rglob("*.py")):
        lines = path.read_text().count("\n")
        if lines > MAX_LINES:
            docstring = ast.get_docstring(ast.parse(path.read_text())) or ""
            assert "Long module:" in docstring, f"{path.relative_to(ROOT)}: {lines} lines"


def test_ruff_finds_nothing() -> None:
    check = _run(str(BIN / "ruff"), "check", ".")
    assert check.returncode == 0, check.stdout[-4000:]
    fmt = _run(str(BIN / "ruff"), "format", "--check", ".")
    assert fmt.returncode == 0, fmt.stdout[-4000:]
