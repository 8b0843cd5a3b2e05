"""Every run under a logs folder at a glance: `python runs.py [logs] [--status failed] [--csv runs.csv]`.

One row per run dir (a single run, or one job of a sweep), newest first: its status, start,
duration, overrides, the monitored metric and its best value, and for a failed run its error.
A run dir is any folder holding `run_info.json` or `.hydra/`; the walk does not go into one.

Status: what `metrics.json` records (done, failed, pruned, interrupted), unless a process holds the
dir now (`running`, from its lock, `plugboard.core.job.run_lock`); a run with no final record whose
holder is gone is `died` (killed, out of memory, a lost node). Only small files are read (the
records, never a checkpoint), so a thousand run dirs list in a fraction of a second; `.hydra/config.yaml`
is read only to filter by `--tag`.

    python runs.py                                  # every run under logs/
    python runs.py logs/train --status failed died  # what went wrong, with the errors
    python runs.py --since 2026-12-01 --tag dev --csv runs.csv
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text

from plugboard.core.job.record import METRICS_FILE, RUN_INFO_FILE, recorded_start
from plugboard.core.job.run_files import read_plain_text
from plugboard.core.job.run_lock import holder_of, is_held

# `ended`: let go of its dir without a final record (an entry point that keeps none, such as serve).
STATUSES = ("running", "done", "failed", "pruned", "interrupted", "died", "ended")
STYLES = {"running": "cyan", "done": "green", "failed": "red", "died": "red", "interrupted": "yellow"}
ERROR_CHARS = 160


@dataclass(frozen=True)
class RunEntry:
    """One run dir as the index lists it."""

    path: str
    status: str
    started: str
    duration_s: float | None
    overrides: str
    metric: str
    best: float | None
    error: str


def run_dirs(root: Path) -> Iterator[Path]:
    """Every run dir under `root` (or `root` itself), without following links or entering a run."""
    if _is_run(root):
        yield root
        return
    try:
        entries = sorted(os.scandir(root), key=lambda entry: entry.name)
    except OSError:
        return
    for entry in entries:
        if entry.is_dir(follow_symlinks=False) and not entry.name.startswith("."):
            yield from run_dirs(Path(entry.path))


def _is_run(folder: Path) -> bool:
    return (folder / RUN_INFO_FILE).is_file() or (folder / ".hydra").is_dir()


def describe(run: Path) -> RunEntry:
    """The index row of one run dir, from its records and its lock."""
    record = _json(run / METRICS_FILE)
    status = str(record.get("status", "")) or None
    if is_held(run):
        status = "running"
    elif status is None:  # no final record, and nobody holds the dir
        holder = holder_of(run)
        status = "died" if holder is None or holder.released is None else "ended"
    started = recorded_start(run)
    monitor = record.get("monitor") if isinstance(record.get("monitor"), dict) else {}
    metric = str(monitor.get("metric", ""))
    metrics = record.get("metrics") if isinstance(record.get("metrics"), dict) else {}
    best = metrics.get(f"{metric}_best", metrics.get(metric))
    overrides = record.get("overrides")
    if not isinstance(overrides, list):
        overrides = _hydra_overrides(run)
    error = " ".join(str(record.get("error", "")).split())
    return RunEntry(
        path=str(run),
        status=status,
        started=datetime.fromtimestamp(started).strftime("%Y-%m-%d %H:%M:%S") if started else "",
        duration_s=record.get("duration_s") if isinstance(record.get("duration_s"), int | float) else None,
        overrides=" ".join(str(override) for override in overrides),
        metric=metric,
        best=best if isinstance(best, int | float) else None,
        error=error[:ERROR_CHARS] + ("..." if len(error) > ERROR_CHARS else ""),
    )


def index(
    root: Path, statuses: list[str] | None = None, since: datetime | None = None, tag: str | None = None
) -> list[RunEntry]:
    """The runs under `root`, newest first, narrowed by status, start date and tag."""
    entries = []
    for run in run_dirs(root):
        if tag is not None and tag not in _tags(run):
            continue
        entry = describe(run)
        if statuses and entry.status not in statuses:
            continue
        if since is not None and (not entry.started or entry.started < since.strftime("%Y-%m-%d %H:%M:%S")):
            continue
        entries.append(entry)
    return sorted(entries, key=lambda entry: entry.started, reverse=True)


def print_index(entries: list[RunEntry], root: Path, console: Console) -> None:
    table = Table(title=f"Runs under {root}, newest first")
    for column in ("run", "status", "started", "duration", "overrides", "metric", "best"):
        table.add_column(column, justify="right" if column in ("duration", "best") else "left")
    for entry in entries:
        name = os.path.relpath(entry.path, root) if entry.path != str(root) else Path(entry.path).name
        table.add_row(
            Text(name),
            Text(entry.status, style=STYLES.get(entry.status, "")),
            entry.started,
            _duration(entry.duration_s),
            Text(entry.overrides),
            entry.metric,
            f"{entry.best:.4g}" if entry.best is not None else "",
        )
    console.print(table if entries else f"No run under {root} matches.")
    counts = {status: sum(entry.status == status for entry in entries) for status in STATUSES}
    console.print(", ".join(f"{count} {status}" for status, count in counts.items() if count) or "")
    for entry in entries:
        if entry.error and entry.status in ("failed", "died", "interrupted"):
            console.print(Text(f"{entry.status} {entry.path}: {entry.error}", style="red"), soft_wrap=True)


def write_index_csv(entries: list[RunEntry], path: Path) -> None:
    with open(path, "w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=list(RunEntry.__dataclass_fields__))
        writer.writeheader()
        writer.writerows(asdict(entry) for entry in entries)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    description, _, examples = __doc__.partition("\n\n    ")
    parser = argparse.ArgumentParser(
        prog="runs.py",
        description=description.split("\n\n")[0],
        epilog="examples:\n    " + examples,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("root", nargs="?", default="logs", type=Path, help="where to look (default: logs)")
    parser.add_argument("--status", nargs="+", choices=STATUSES, help="only runs with one of these")
    parser.add_argument(
        "--since", type=_date, metavar="YYYY-MM-DD[THH:MM]", help="only runs started at or after this"
    )
    parser.add_argument("--tag", help="only runs whose config has this tag (`tags` in the config)")
    parser.add_argument("--csv", type=Path, metavar="FILE", help="also write the rows to this CSV file")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if not args.root.is_dir():
        print(f"Error: {args.root} is no folder; give the logs folder (default: logs).", file=sys.stderr)
        sys.exit(1)
    entries = index(args.root, args.status, args.since, args.tag)
    print_index(entries, args.root, Console())
    if args.csv is not None:
        write_index_csv(entries, args.csv)


def _json(path: Path) -> dict:
    text = read_plain_text(path)
    try:
        value = json.loads(text) if text is not None else {}
    except ValueError:  # half-written by a run that died: no final record
        return {}
    return value if isinstance(value, dict) else {}


def _hydra_overrides(run: Path) -> list[str]:
    """A run that recorded no overrides yet (it is running, or died): Hydra's own list of them."""
    text = read_plain_text(run / ".hydra" / "overrides.yaml")
    return [line[2:].strip() for line in (text or "").splitlines() if line.startswith("- ")]


def _tags(run: Path) -> list[str]:
    import yaml

    text = read_plain_text(run / ".hydra" / "config.yaml")
    try:
        config = yaml.safe_load(text) if text else None
    except yaml.YAMLError:
        return []
    tags = config.get("tags") if isinstance(config, dict) else None
    return [str(tag) for tag in tags] if isinstance(tags, list) else []


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return ""
    minutes, seconds = divmod(int(round(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


def _date(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is no date; write 2026-12-01 or 2026-12-01T09:30"
        ) from None
