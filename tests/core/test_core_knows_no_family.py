"""The core imports no model family: a family is reached only through `_target_`s, Lightning's
interfaces and the metadata hand-off, so a new family is added by adding files."""

from __future__ import annotations

import ast
from pathlib import Path

import plugboard.core

CORE = Path(plugboard.core.__file__).parent


def plugboard_imports(path: Path) -> set[str]:
    """Every `plugboard...` module a file imports, at any depth (inside functions too)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return {name for name in found if name.split(".")[0] == "plugboard"}


def test_core_modules_import_only_the_core():
    offenders = {
        str(path.relative_to(CORE)): sorted(name for name in imports if not name.startswith("plugboard.core"))
        for path in sorted(CORE.rglob("*.py"))
        if (imports := plugboard_imports(path))
    }
    offenders = {path: names for path, names in offenders.items() if names}
    assert offenders == {}, f"core modules importing outside the core: {offenders}"


def test_the_check_sees_imports_inside_functions(tmp_path: Path):
    source = tmp_path / "module.py"
    source.write_text("def work():\n    from plugboard.seq2seq.model import Seq2SeqModule\n")
    assert plugboard_imports(source) == {"plugboard.seq2seq.model"}
