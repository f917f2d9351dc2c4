"""`make lab`: JupyterLab starts on 127.0.0.1, serves notebooks/, and runs them on this environment.

The test runs the real `make lab` on a free port with a random token, waits
until ``/api/status`` answers, checks that ``/api/contents/notebooks`` lists
the notebooks, opens a session for each notebook (as JupyterLab does when a
notebook is opened), executes its code cells one by one through the
server's kernel over the websocket, and stops the server by its process id
(read from the server's runtime file). Only loopback traffic.
"""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests
import websocket

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 90  # seconds until /api/status must answer
CELL_TIMEOUT = 120  # seconds for one cell


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Lab:
    """A running `make lab`: its base URL, token and processes."""

    def __init__(self, tmp: Path):
        self.port = free_port()
        self.token = uuid.uuid4().hex
        self.url = f"http://127.0.0.1:{self.port}"
        self.runtime = tmp / "runtime"
        env = {
            **os.environ,
            # Keep the server's files out of the user's home and its config out of the test.
            "JUPYTER_RUNTIME_DIR": str(self.runtime),
            "JUPYTER_CONFIG_DIR": str(tmp / "config"),
            "JUPYTERLAB_SETTINGS_DIR": str(tmp / "settings"),
            "JUPYTERLAB_WORKSPACES_DIR": str(tmp / "workspaces"),
        }
        lab_args = f"--port {self.port} --IdentityProvider.token={self.token} --ServerApp.port_retries=0"
        self.log = open(tmp / "lab.log", "w+b")
        self.make = subprocess.Popen(["make", "--no-print-directory", "lab", f"LAB_ARGS={lab_args}"],
                                     cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        self.server_pid: int | None = None

    @property
    def headers(self) -> dict:
        return {"Authorization": f"token {self.token}"}

    def output(self) -> str:
        self.log.flush()
        self.log.seek(0)
        return self.log.read().decode("utf-8", "replace")

    def wait_until_up(self) -> dict:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.make.poll() is not None:
                pytest.fail(f"`make lab` exited with {self.make.returncode}:\n{self.output()}")
            try:
                response = requests.get(f"{self.url}/api/status", params={"token": self.token}, timeout=2)
                if response.ok:
                    self.server_pid = self._pid_from_runtime_file()
                    return response.json()
            except requests.ConnectionError:
                pass
            time.sleep(0.5)
        pytest.fail(f"JupyterLab did not answer on {self.url}/api/status within {START_TIMEOUT} s:\n{self.output()}")

    def _pid_from_runtime_file(self) -> int:
        for info in self.runtime.glob("jpserver-*.json"):
            data = json.loads(info.read_text())
            if data.get("port") == self.port:
                return int(data["pid"])
        pytest.fail(f"no runtime file of the server on port {self.port} in {self.runtime}")

    def get(self, path: str) -> requests.Response:
        return requests.get(f"{self.url}{path}", headers=self.headers, timeout=30)

    def stop(self) -> None:
        """Stop the server by its process id, then wait for make to return."""
        if self.server_pid is not None:
            try:
                os.kill(self.server_pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        try:
            self.make.wait(timeout=30)
        except subprocess.TimeoutExpired:
            if self.server_pid is not None:
                try:
                    os.kill(self.server_pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            self.make.kill()
            self.make.wait(timeout=10)
        self.log.close()


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    server = Lab(tmp_path_factory.mktemp("lab"))
    try:
        server.status = server.wait_until_up()
        yield server
    finally:
        server.stop()


def run_cells(lab: Lab, kernel_id: str, cells: list[str], name: str) -> list[str]:
    """Execute code cells in order through the kernel's websocket; the stdout of each."""
    socket_url = f"ws://127.0.0.1:{lab.port}/api/kernels/{kernel_id}/channels"
    connection = websocket.create_connection(socket_url, header=[f"Authorization: token {lab.token}"],
                                             timeout=CELL_TIMEOUT)
    session = uuid.uuid4().hex
    printed = []
    try:
        for index, code in enumerate(cells):
            msg_id = uuid.uuid4().hex
            connection.send(json.dumps({
                "header": {"msg_id": msg_id, "msg_type": "execute_request", "username": "test",
                           "session": session, "date": "", "version": "5.3"},
                "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
                "content": {"code": code, "silent": False, "store_history": True, "user_expressions": {},
                            "allow_stdin": False, "stop_on_error": True},
            }))
            stdout, error, reply, idle = [], None, None, False
            # The reply (shell channel) may overtake the output (iopub): wait for both the
            # reply and the kernel's return to idle.
            while reply is None or not idle:
                message = json.loads(connection.recv())
                if message.get("parent_header", {}).get("msg_id") != msg_id:
                    continue
                kind = message["header"]["msg_type"]
                if kind == "stream" and message["content"]["name"] == "stdout":
                    stdout.append(message["content"]["text"])
                elif kind == "error":
                    error = message["content"]
                elif kind == "execute_reply":
                    reply = message["content"]
                elif kind == "status" and message["content"]["execution_state"] == "idle":
                    idle = True
            if reply["status"] != "ok":
                detail = error or reply
                pytest.fail(f"{name}: code cell {index + 1} failed: {detail.get('ename')}: {detail.get('evalue')}\n"
                            f"{code}")
            printed.append("".join(stdout))
    finally:
        connection.close()
    return printed


def test_lab_answers_on_loopback(lab):
    assert "started" in lab.status
    assert f"http://127.0.0.1:{lab.port}/lab/tree/notebooks" in lab.output()  # the URL make lab prints


def test_lab_lists_the_notebooks(lab):
    response = lab.get("/api/contents/notebooks")
    assert response.ok, response.text
    names = {item["name"] for item in response.json()["content"] if item["type"] == "notebook"}
    assert {"portfolio.ipynb", "coverage_evaluation.ipynb"} <= names


def test_lab_default_kernel_is_this_environment(lab):
    specs = lab.get("/api/kernelspecs").json()
    assert specs["default"] == "python3"
    response = requests.post(f"{lab.url}/api/kernels", headers=lab.headers, json={"name": "python3"}, timeout=60)
    assert response.status_code == 201, response.text
    kernel_id = response.json()["id"]
    try:
        printed = run_cells(lab, kernel_id, ["import sys; print(sys.prefix)"], "probe")
    finally:
        requests.delete(f"{lab.url}/api/kernels/{kernel_id}", headers=lab.headers, timeout=30)
    assert Path(printed[0].strip()).resolve() == Path(sys.prefix).resolve()


def notebook_paths() -> list[str]:
    return sorted(f"notebooks/{p.name}" for p in (ROOT / "notebooks").glob("*.ipynb"))


@pytest.mark.slow
@pytest.mark.parametrize("path", notebook_paths())
def test_lab_executes_each_notebook(lab, path):
    """Open the notebook as JupyterLab does (a session, kernel started in notebooks/) and run it."""
    content = lab.get(f"/api/contents/{path}").json()["content"]
    cells = ["".join(c["source"]) if isinstance(c["source"], list) else c["source"]
             for c in content["cells"] if c["cell_type"] == "code"]
    response = requests.post(f"{lab.url}/api/sessions", headers=lab.headers, timeout=60, json={
        "path": path, "name": Path(path).name, "type": "notebook", "kernel": {"name": "python3"}})
    assert response.status_code == 201, response.text
    session = response.json()
    try:
        run_cells(lab, session["kernel"]["id"], cells, path)
    finally:
        requests.delete(f"{lab.url}/api/sessions/{session['id']}", headers=lab.headers, timeout=30)
