"""The project says where things are, and what it says is true: package maps that name every
module, names in docstrings that exist, no dead constants, and a core that imports no plugin."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
import yaml

from plugboard.core.paths import PROJECT_ROOT

SRC = PROJECT_ROOT / "src"
PYTHON_FILES = [
    path
    for folder in ("src", "tests", "scripts", "benchmarks")
    for path in (PROJECT_ROOT / folder).rglob("*.py")
] + sorted(PROJECT_ROOT.glob("*.py"))


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"))


PACKAGES_WITH_A_MAP = [
    "plugboard/core",
    "plugboard/core/job",
    "plugboard/core/config",
    "plugboard/core/checkpoints",
]


@pytest.mark.parametrize("package", PACKAGES_WITH_A_MAP)
def test_a_package_map_names_every_module_and_folder(package: str):
    """A newcomer finds the file for a concern from the package's `__init__` docstring alone."""
    folder = SRC / package
    described = ast.get_docstring(_tree(folder / "__init__.py")) or ""
    parts = [p.stem for p in folder.glob("*.py") if not p.name.startswith("__")]
    parts += [p.name for p in folder.iterdir() if p.is_dir() and (p / "__init__.py").is_file()]
    missing = [
        part for part in parts if not part.startswith("_moved") and not re.search(rf"\b{part}\b", described)
    ]
    assert missing == [], f"{package}/__init__.py does not name {missing}"


def test_benchmarks_package_lists_every_benchmark():
    described = ast.get_docstring(_tree(PROJECT_ROOT / "benchmarks" / "__init__.py")) or ""
    modules = [p.stem for p in (PROJECT_ROOT / "benchmarks").glob("*.py") if p.name != "__init__.py"]
    assert [name for name in modules if not re.search(rf"^\s+{name}\s", described, re.M)] == []


def test_the_core_imports_no_hydra_plugin():
    """Plugins (hydra_plugins/...) build on the core; the core never imports them back."""
    found = []
    for path in (SRC / "plugboard").rglob("*.py"):
        for node in ast.walk(_tree(path)):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            names += [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
            found += [
                f"{path.relative_to(SRC)}: {name}" for name in names if name.startswith("hydra_plugins")
            ]
    assert found == []


def _identifiers() -> set[str]:
    """Every name the project defines or uses in code, string values that look like names, config keys."""
    modules = list((SRC / "plugboard").rglob("*.py"))
    names: set[str] = {path.stem for path in modules} | {path.parent.name for path in modules} | {"plugboard"}
    for path in (SRC / "plugboard").rglob("*.py"):
        for node in ast.walk(_tree(path)):
            for field in ("name", "id", "attr", "arg"):
                if isinstance(value := getattr(node, field, None), str):
                    names.add(value.split(".")[-1])
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.isidentifier():
                names.add(node.value)

    def keys(node: object) -> None:
        if isinstance(node, dict):
            names.update(map(str, node))
            for value in node.values():
                keys(value)
        elif isinstance(node, list):
            for value in node:
                keys(value)

    for path in (PROJECT_ROOT / "configs").rglob("*.yaml"):
        keys(yaml.safe_load(path.read_text(encoding="utf-8")))
    return names


def _docs(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    docs = [
        ast.get_docstring(node) or ""
        for node in ast.walk(ast.parse(text))
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
    ]
    return docs + [line.split("#", 1)[1] for line in text.splitlines() if "#" in line]


def test_names_in_docstrings_and_comments_exist():
    """A backticked `snake_case_name` or `plugboard.dotted.name` in the source's docs names
    something that exists: a docstring that points at a function nobody wrote misleads."""
    import importlib

    # The package's own name counts: renamed (`lab_notes`) it looks like a snake_case name.
    known, wrong = _identifiers() | {"plugboard"}, []
    for path in (SRC / "plugboard").rglob("*.py"):
        for doc in _docs(path):
            for name in re.findall(r"`([a-z][a-z0-9]*(?:_[a-z0-9]+)+)(?:\(\))?`", doc):
                if name not in known:
                    wrong.append(f"{path.relative_to(SRC)}: `{name}`")
            for dotted in re.findall(r"`(plugboard(?:\.[A-Za-z_]\w*)+)", doc):
                module, _, rest = dotted, "", []
                while module:
                    try:
                        found: object = importlib.import_module(module)
                        break
                    except ImportError:
                        module, _, last = module.rpartition(".")
                        rest.insert(0, last)
                for attribute in rest:
                    found = getattr(found, attribute, None)
                if not module or found is None:
                    wrong.append(f"{path.relative_to(SRC)}: `{dotted}`")
    assert wrong == []


def test_every_module_constant_is_used():
    """An UPPER_CASE constant at module level that nothing reads is dead code that looks like a rule."""
    defined: list[tuple[str, str]] = []
    used: set[str] = set()
    for path in PYTHON_FILES:
        tree = _tree(path)
        if path.is_relative_to(SRC / "plugboard"):
            for statement in tree.body:
                targets = statement.targets if isinstance(statement, ast.Assign) else []
                targets += [statement.target] if isinstance(statement, ast.AnnAssign) else []
                defined += [
                    (str(path.relative_to(SRC)), target.id)
                    for target in targets
                    if isinstance(target, ast.Name) and re.fullmatch(r"[A-Z][A-Z0-9_]+", target.id)
                ]
        for node in ast.walk(tree):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                used.add(node.id)
            elif isinstance(node, ast.Attribute):
                used.add(node.attr)
            elif isinstance(node, ast.alias):
                used.add(node.name)
    assert [f"{path}: {name}" for path, name in defined if name not in used] == []
