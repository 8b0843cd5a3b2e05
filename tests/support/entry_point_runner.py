"""Runs several entry-point commands in one Python process, as their scripts run them (`runpy`),
and reports for each: exit status, what it printed, and what it left in its log dir.

Used by the bad-input catalogue: torch is imported once for all cases instead of once per
process. Run as `python tests/support/entry_point_runner.py < cases.json` from the project root;
each case is {"script", "arguments", "log_dir"}; prints a JSON list of results.
"""

from __future__ import annotations

import contextlib
import io
import json
import runpy
import sys
from pathlib import Path


def run(script: str, arguments: list[str], log_dir: str) -> dict:
    sys.argv = [script, *arguments, f"paths.log_dir={log_dir}"]
    output = io.StringIO()
    with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
        try:
            runpy.run_path(script, run_name="__main__")
            status = 0
        except SystemExit as stop:
            status = stop.code if isinstance(stop.code, int) else 1
        except Exception as error:  # a bug: reported like Python would, as a traceback
            import traceback

            traceback.print_exception(error, file=output)
            status = 1
    logs = Path(log_dir)
    return {
        "status": status,
        "output": output.getvalue(),
        "done_records": [
            str(path)
            for path in logs.rglob("metrics.json")
            if json.loads(path.read_text())["status"] == "done"
        ],
        "checkpoints": [str(path) for path in logs.rglob("*.ckpt")],
        "written": [str(path) for path in logs.rglob("*")],
    }


if __name__ == "__main__":
    cases = json.load(sys.stdin)
    print(json.dumps([run(case["script"], case["arguments"], case["log_dir"]) for case in cases]))
