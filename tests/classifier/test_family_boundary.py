"""The classifier is a family of its own: it reuses the shared slots and data parts, and the
core, but nothing of the seq2seq family (either family can be deleted without the other)."""

from __future__ import annotations

import ast
from pathlib import Path

import plugboard.classifier

FAMILY = Path(plugboard.classifier.__file__).parent


def test_classifier_imports_nothing_of_the_seq2seq_family():
    offenders = {}
    for path in sorted(FAMILY.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders.update({str(path.relative_to(FAMILY)): name for name in names if "seq2seq" in name})
    assert offenders == {}
