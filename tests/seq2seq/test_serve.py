"""The real `serve.py` as a user starts it: answers what the predictor answers, refuses bad requests
with 422 and a message naming the problem, keeps serving after them, and stops cleanly."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from helpers import read_json, single_run_dir

from plugboard.core.paths import PROJECT_ROOT
from plugboard.seq2seq.inference import load_predictor

MAX_BATCH, MAX_INPUT_LENGTH = 4, 40  # small limits, so the tests also show they are configurable
GOOD = {"inputs": ["12 march 2021", "3/4/99"]}


@dataclass
class Server:
    url: str
    process: subprocess.Popen
    log_dir: Path
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(checkpoint: Path, log_dir: Path, port: int, *overrides: str) -> Server:
    log = log_dir / "server.log"
    command = [sys.executable, "serve.py", f"ckpt_path={checkpoint}", "host=127.0.0.1", f"port={port}"]
    command += [f"paths.log_dir={log_dir}", "extras.print_config=false", *overrides]
    with log.open("w") as output:  # a file, not a pipe: a full pipe would block the server
        environment = {**os.environ, "PYTHONWARNINGS": "ignore"}
        process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=environment, stdout=output, stderr=output)
    return Server(f"http://127.0.0.1:{port}", process, log_dir, log)


def wait_until_healthy(server: Server, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(f"serve.py exited with {server.process.returncode}:\n{server.output()}")
        try:
            if httpx.get(f"{server.url}/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    server.process.kill()
    pytest.fail(f"serve.py did not answer /health within {timeout} s:\n{server.output()}")


def stop(server: Server, how: signal.Signals) -> int:
    server.process.send_signal(how)
    try:
        return server.process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()
        pytest.fail(f"serve.py did not stop within 30 s of {how.name}:\n{server.output()}")


def assert_stopped_cleanly(server: Server, returncode: int) -> None:
    assert returncode == 0, server.output()
    assert "Traceback" not in server.output()
    assert read_json(single_run_dir(server.log_dir, "serve") / "metrics.json")["status"] == "done"


@pytest.fixture(scope="module")
def server(dates_checkpoint: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One server for the module; stopping it with SIGTERM (as a process manager does) must be clean."""
    limits = [f"max_batch={MAX_BATCH}", f"max_input_length={MAX_INPUT_LENGTH}"]
    running = start_server(dates_checkpoint, tmp_path_factory.mktemp("serve"), free_port(), *limits)
    try:
        wait_until_healthy(running)
        yield running
    finally:
        if running.process.poll() is None:
            assert_stopped_cleanly(running, stop(running, signal.SIGTERM))


def test_health_names_the_checkpoint_task_and_attention(server: Server, dates_checkpoint: Path) -> None:
    response = httpx.get(f"{server.url}/health")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checkpoint": str(dates_checkpoint),
        "task": "dates",
        "attention": "DotAttention",
    }


@pytest.mark.parametrize("beam_size", [None, 3])
def test_outputs_equal_the_predictors(server: Server, dates_checkpoint: Path, beam_size: int | None) -> None:
    expected = load_predictor(dates_checkpoint).predict(GOOD["inputs"], beam_size=beam_size)
    response = httpx.post(f"{server.url}/predict", json={**GOOD, "beam_size": beam_size})
    assert response.status_code == 200, response.text
    outputs = response.json()["outputs"]
    assert [(o["input"], o["output"]) for o in outputs] == [(p.input, p.output) for p in expected]
    assert [o["score"] for o in outputs] == pytest.approx([p.score for p in expected], abs=1e-4)


BAD_REQUESTS = {
    # name: (request body, a phrase of the message, the field it names)
    "empty-list": ({"inputs": []}, "at least 1 item", "inputs"),
    "empty-string": ({"inputs": ["12 march 2021", "  "]}, "at least 1 character", "inputs[1]"),
    "not-a-list": ({"inputs": "12 march 2021"}, "valid list", "inputs"),
    "not-strings": ({"inputs": [12, 3]}, "valid string", "inputs[0]"),
    "no-inputs-field": ({"input": ["12 march 2021"]}, "Field required", "inputs"),
    "beam-size-as-text": ({**GOOD, "beam_size": "3"}, "valid integer", "beam_size"),
    "beam-size-zero": ({**GOOD, "beam_size": 0}, "greater than or equal to 1", "beam_size"),
    "too-many": ({"inputs": ["3/4/99"] * (MAX_BATCH + 1)}, f"at most {MAX_BATCH} items", "inputs"),
    "too-long": (
        {"inputs": ["1" * (MAX_INPUT_LENGTH + 1)]},
        f"at most {MAX_INPUT_LENGTH} characters",
        "inputs[0]",
    ),
    "not-json": ("{inputs: [", "not valid JSON", "body"),
    "unknown-symbols": ({"inputs": ["12 march 2021", "3/4/99 #"]}, "input 2 ('3/4/99 #') has '#'", None),
}


@pytest.mark.parametrize("case", BAD_REQUESTS)
def test_a_bad_request_gets_422_naming_the_problem_and_the_server_goes_on(server: Server, case: str) -> None:
    body, phrase, field = BAD_REQUESTS[case]
    if isinstance(body, str):
        response = httpx.post(
            f"{server.url}/predict", content=body, headers={"content-type": "application/json"}
        )
    else:
        response = httpx.post(f"{server.url}/predict", json=body)

    assert response.status_code == 422, response.text
    problem = response.json()
    assert phrase in problem["detail"]
    if field is not None:
        assert field in [p["field"] for p in problem["problems"]]
        assert '{"inputs": ["12 march 2021"]' in problem["detail"]  # and what a good request looks like
    assert httpx.post(f"{server.url}/predict", json=GOOD).status_code == 200


@pytest.mark.slow  # a second server process: about 10 s
def test_a_port_in_use_is_a_clear_error(server: Server, dates_checkpoint: Path, tmp_path: Path) -> None:
    port = int(server.url.rsplit(":", 1)[1])
    second = start_server(dates_checkpoint, tmp_path, port)
    assert second.process.wait(timeout=120) == 1, second.output()
    output = second.output()
    assert "Traceback" not in output
    assert f"Cannot listen on 127.0.0.1:{port}" in output and f"port={port + 1}" in output


@pytest.mark.slow
def test_ctrl_c_stops_the_server_cleanly(dates_checkpoint: Path, tmp_path: Path) -> None:
    running = start_server(dates_checkpoint, tmp_path, free_port())
    try:
        wait_until_healthy(running)
        assert httpx.post(f"{running.url}/predict", json=GOOD).status_code == 200
    finally:
        returncode = stop(running, signal.SIGINT)
    assert_stopped_cleanly(running, returncode)
