"""Serves a checkpoint over HTTP: `python serve.py ckpt_path=<.ckpt> host=127.0.0.1 port=8000`.

The app itself is in `plugboard.seq2seq.serving` (FastAPI); this runs it on uvicorn in one process.
SIGINT (Ctrl-C) or SIGTERM stops it cleanly: open requests finish, the run is recorded as
done and the process exits 0.
"""

from __future__ import annotations

import signal
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any, Literal

from annotated_types import Ge, Interval
from omegaconf import DictConfig

from plugboard.core.config.ranges import RUN_KEYS
from plugboard.core.errors import ConfigError
from plugboard.core.job import entry_point, get_logger, run_job

log = get_logger(__name__)

# The keys of configs/serve.yaml, checked before the checkpoint is loaded.
CONFIG_KEYS: dict[str, Any] = {
    **RUN_KEYS,
    "ckpt_path": str,
    "host": str,
    "port": Annotated[int, Interval(ge=0, le=65535)],  # 0: any free port the system picks
    "device": str,
    "max_batch": Annotated[int, Ge(1)],
    "max_input_length": Annotated[int, Ge(1)],
    "max_beam_size": Annotated[int, Ge(1)],
    "log_level": Literal["critical", "error", "warning", "info", "debug", "trace"],
}

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def serve(cfg: DictConfig) -> dict[str, float]:
    """Loads the checkpoint, then answers requests until stopped by SIGINT or SIGTERM."""
    import uvicorn

    from plugboard.seq2seq.inference import load_predictor
    from plugboard.seq2seq.serving import create_app

    _require_free_port(cfg.host, cfg.port)
    predictor = load_predictor(cfg.ckpt_path, device=cfg.device, batch_size=cfg.max_batch, paths=cfg.paths)
    app = create_app(
        predictor,
        max_batch=cfg.max_batch,
        max_input_length=cfg.max_input_length,
        max_beam_size=cfg.max_beam_size,
    )
    server = uvicorn.Server(uvicorn.Config(app, host=cfg.host, port=cfg.port, log_level=cfg.log_level))
    log.info(f"Serving on http://{cfg.host}:{cfg.port}: POST /predict, GET /health, docs at /docs")
    with _stop_is_a_normal_end():
        server.run()
    log.info("Server stopped")
    return {}


@contextmanager
def _stop_is_a_normal_end() -> Iterator[None]:
    """uvicorn catches SIGINT/SIGTERM itself, lets open requests finish, then raises the signal
    again for whoever started it. Here a stop is how a server ends, so that repeat is absorbed
    instead of ending the process as killed (or as an interrupted run)."""
    previous = {number: signal.signal(number, lambda *_: None) for number in STOP_SIGNALS}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def _require_free_port(host: str, port: int) -> None:
    """Says which port is taken before loading the model, rather than uvicorn failing after it."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            probe.bind((host, port))
        except OSError as error:
            raise ConfigError(
                f"Cannot listen on {host}:{port} ({error.strerror or error}). Another program may be "
                f"using the port: pick another (port={port + 1}) or stop it; host must be an address "
                "of this machine, e.g. 127.0.0.1 (this machine only) or 0.0.0.0 (every interface)."
            ) from None


@entry_point("serve")
def main(cfg: DictConfig) -> None:
    run_job(cfg, serve, "serve", CONFIG_KEYS)
