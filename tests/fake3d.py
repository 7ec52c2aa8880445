"""Loopback HTTP servers speaking Meshy's and Tripo's documented task protocols.

Real servers (``http.server``, one thread per request) that the remote backends talk to
through real httpx: they check the Bearer key, walk tasks through the services' states as
they are polled, serve real GLB bytes made by our procedural backend (with UVs and a
texture, like the services' textured models), and can be told to misbehave: answer a
status code (401/402/429 with Retry-After/500), hang, drop the connection, fail the task or
serve a corrupt or non-GLB file. They record every request, so tests can count task
creations and measure request rates and tasks in flight.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import numpy as np


def procedural_glb(description: str = "wooden crate", textured: bool = True) -> bytes:
    """GLB bytes of the procedural model of ``description``; with ``textured``, planar UVs and
    a PNG base-colour texture painted from the part materials (like a service's output)."""
    import trimesh
    from PIL import Image
    from trimesh.visual.material import PBRMaterial

    from core.generators import get_generator
    from core.mesh.asset_mesh import hex_to_rgba
    from core.spec.builtin import BuiltinSpecWriter

    spec = BuiltinSpecWriter().write(description).spec
    mesh = list(get_generator("procedural").generate(spec))[-1].mesh
    if not textured:
        return mesh.to_scene().export(file_type="glb")
    v = mesh.vertices
    lo, hi = v.min(0), v.max(0)
    uv = np.c_[(v[:, 0] - lo[0]) / (hi[0] - lo[0]), (v[:, 1] - lo[1]) / (hi[1] - lo[1])]
    colours = np.array([np.array(hex_to_rgba(m.base_color)[:3]) * 255 for m in mesh.materials], np.uint8)
    img = np.repeat(np.repeat(colours[np.arange(32) % len(colours)][:, None, :], 32, axis=1), 2, axis=0)
    tm = trimesh.Trimesh(v, mesh.faces, process=False)
    tm.visual = trimesh.visual.TextureVisuals(
        uv=uv, material=PBRMaterial(name="baked", baseColorTexture=Image.fromarray(img), roughnessFactor=0.6)
    )
    scene = trimesh.Scene()
    scene.add_geometry(tm, node_name="model", geom_name="model")
    return scene.export(file_type="glb")


@dataclass
class Fault:
    """One injected misbehaviour: ``on`` create | poll | upload | download | balance | any;
    ``kind`` an HTTP status (int), "hang", "drop", "corrupt" (bad GLB), "html" (wrong type)."""

    on: str
    kind: int | str
    retry_after: str | None = None


@dataclass
class Task:
    id: str
    kind: str  # preview | refine | image | text_to_model | image_to_model
    created: float
    polls: int = 0
    outcome: str = "succeed"
    state: str = "queued"  # queued | running | done | failed
    body: dict = field(default_factory=dict)


class FakeService:
    """Base of the fake services: request log, faults, tasks, model files."""

    name = "service"

    def __init__(self, api_key: str, *, polls_to_finish: int = 3, queued_polls: int = 1) -> None:
        self.api_key = api_key
        self.polls_to_finish, self.queued_polls = polls_to_finish, queued_polls
        self.faults: list[Fault] = []
        self.requests: list[tuple[float, str, str]] = []  # (time, method, path)
        self.tasks: dict[str, Task] = {}
        self.creates: list[dict] = []
        self.outcome = "succeed"
        self.hold = threading.Event()  # while set, running tasks never finish
        self.hang_s = 5.0
        self.balance = 1000.0
        self.glb = procedural_glb(textured=True)
        self.preview_glb = procedural_glb(textured=False)
        self.max_in_flight = 0
        self._lock = threading.Lock()
        self._seq = 0
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    # --- life cycle ------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> FakeService:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # --- helpers for protocol subclasses ---------------------------------------------------
    def new_task(self, kind: str, body: dict) -> Task:
        with self._lock:
            self._seq += 1
            task = Task(
                f"{self.name}-task-{self._seq:04d}", kind, time.time(), outcome=self.outcome, body=body
            )
            self.tasks[task.id] = task
            self.creates.append({"id": task.id, "kind": kind, "body": body})
            in_flight = sum(1 for t in self.tasks.values() if t.state in ("queued", "running"))
            self.max_in_flight = max(self.max_in_flight, in_flight)
        return task

    def advance(self, task: Task) -> Task:
        """One poll: queued -> running (progress) -> done | failed."""
        with self._lock:
            task.polls += 1
            if task.state in ("done", "failed"):
                return task
            if task.polls <= self.queued_polls:
                task.state = "queued"
            elif self.hold.is_set() or task.polls < self.queued_polls + self.polls_to_finish:
                task.state = "running"
            else:
                task.state = "done" if task.outcome == "succeed" else "failed"
        return task

    def progress(self, task: Task) -> int:
        if task.state == "done":
            return 100
        if task.state == "queued":
            return 0
        return min(99, int(100 * (task.polls - self.queued_polls) / (self.polls_to_finish + 1)))

    def creates_for(self, kind: str | None = None) -> int:
        return sum(1 for c in self.creates if kind is None or c["kind"] == kind)

    def route(self, h: BaseHTTPRequestHandler, method: str, path: str, body: bytes) -> None:
        raise NotImplementedError

    def classify(self, method: str, path: str) -> str:
        raise NotImplementedError

    # --- the HTTP handler ------------------------------------------------------------------
    def _handler(self):
        service = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def _serve(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                path = self.path
                service.requests.append((time.time(), method, path))
                what = service.classify(method, path)
                fault = next((f for f in service.faults if f.on in (what, "any")), None)
                if fault is not None:
                    service.faults.remove(fault)
                    if fault.kind == "hang":
                        time.sleep(service.hang_s)
                        return self._close()
                    if fault.kind == "drop":
                        return self._close()
                    if isinstance(fault.kind, int):
                        headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
                        return self.json(fault.kind, service.error_body(fault.kind), headers)
                    if fault.kind in ("corrupt", "html"):
                        service.next_download = fault.kind
                if what != "download" and self.headers.get("Authorization") != f"Bearer {service.api_key}":
                    return self.json(401, service.error_body(401))
                service.route(self, method, path, body)

            def _close(self) -> None:
                with contextlib.suppress(OSError):
                    self.connection.shutdown(socket.SHUT_RDWR)
                self.close_connection = True

            def json(self, status: int, obj: dict, headers: dict | None = None) -> None:
                data = json.dumps(obj).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def file(self, data: bytes, content_type: str = "model/gltf-binary") -> None:
                self.send_response(200)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                self._serve("GET")

            def do_POST(self):
                self._serve("POST")

        return Handler

    next_download: str | None = None

    def serve_model(self, h, task_id: str) -> None:
        task = self.tasks.get(task_id.removesuffix(".glb"))
        if task is None:
            return h.json(404, self.error_body(404))
        kind, self.next_download = self.next_download, None
        if kind == "html":
            return h.file(b"<html>Access denied</html>", "text/html")
        data = self.preview_glb if task.kind == "preview" else self.glb
        if kind == "corrupt":
            data = data[: len(data) // 2]  # truncated GLB, header length no longer matches
        return h.file(data)

    def error_body(self, status: int) -> dict:
        return {
            "message": {
                401: "Invalid API key",
                402: "Insufficient credits",
                429: "Too many requests",
                500: "Internal server error",
                404: "Not found",
            }.get(status, "error")
        }


class FakeMeshy(FakeService):
    """Meshy's text-to-3D (preview/refine), image-to-3D and balance endpoints."""

    name = "meshy"
    CREDITS: ClassVar[dict] = {"preview": 20, "refine": 10, "image": 30}

    def classify(self, method: str, path: str) -> str:
        if path.startswith("/files/"):
            return "download"
        if path == "/openapi/v1/balance":
            return "balance"
        return "create" if method == "POST" else "poll"

    def route(self, h, method: str, path: str, body: bytes) -> None:
        if path.startswith("/files/"):
            return self.serve_model(h, path.rsplit("/", 1)[-1])
        if method == "GET" and path == "/openapi/v1/balance":
            return h.json(200, {"balance": self.balance})
        if method == "POST" and path in ("/openapi/v2/text-to-3d", "/openapi/v1/image-to-3d"):
            req = json.loads(body or b"{}")
            if path.endswith("image-to-3d"):
                if not str(req.get("image_url", "")).startswith("data:image/"):
                    return h.json(400, {"message": "image_url must be a URL or data URI"})
                kind = "image"
            else:
                kind = req.get("mode")
                if kind not in ("preview", "refine") or (kind == "preview" and not req.get("prompt")):
                    return h.json(400, {"message": "mode and prompt are required"})
                if len(req.get("prompt", "")) > 600:
                    return h.json(400, {"message": "prompt is longer than 600 characters"})
                if kind == "refine":
                    prev = self.tasks.get(req.get("preview_task_id", ""))
                    if prev is None or prev.state != "done":
                        return h.json(400, {"message": "preview_task_id must be a succeeded preview task"})
            if self.balance < self.CREDITS[kind]:
                return h.json(402, {"message": "Insufficient credits"})
            self.balance -= self.CREDITS[kind]
            task = self.new_task(kind, req)
            return h.json(202, {"result": task.id})
        for prefix in ("/openapi/v2/text-to-3d/", "/openapi/v1/image-to-3d/"):
            if method == "GET" and path.startswith(prefix):
                task = self.tasks.get(path[len(prefix) :])
                if task is None:
                    return h.json(404, {"message": "Task not found"})
                self.advance(task)
                status = {
                    "queued": "PENDING",
                    "running": "IN_PROGRESS",
                    "done": "SUCCEEDED",
                    "failed": "FAILED",
                }
                obj = {
                    "id": task.id,
                    "mode": task.kind,
                    "status": status[task.state],
                    "progress": self.progress(task),
                    "preceding_tasks": 2 if task.state == "queued" else 0,
                    "model_urls": {"glb": f"{self.url}/files/{task.id}.glb" if task.state == "done" else ""},
                    "task_error": {
                        "message": "The prompt was rejected by moderation" if task.state == "failed" else ""
                    },
                }
                return h.json(200, obj)
        return h.json(404, {"message": "Not found"})


class FakeTripo(FakeService):
    """Tripo's task, upload and balance endpoints (``/v2/openapi`` prefix)."""

    name = "tripo"
    PREFIX = "/v2/openapi"

    @property
    def base_url(self) -> str:
        return self.url + self.PREFIX

    def error_body(self, status: int) -> dict:
        code = {401: 1002, 402: 2010, 429: 2000, 500: 1001, 404: 2001}.get(status, 1000)
        return {"code": code, **super().error_body(status), "suggestion": "see docs"}

    def classify(self, method: str, path: str) -> str:
        path = path.removeprefix(self.PREFIX)
        if path.startswith("/files/"):
            return "download"
        return {"/upload": "upload", "/task": "create", "/user/balance": "balance"}.get(path, "poll")

    def route(self, h, method: str, path: str, body: bytes) -> None:
        path = path.removeprefix(self.PREFIX)
        if path.startswith("/files/"):
            return self.serve_model(h, path.rsplit("/", 1)[-1])
        if method == "GET" and path == "/user/balance":
            return h.json(200, {"code": 0, "data": {"balance": self.balance, "frozen": 0}})
        if method == "POST" and path == "/upload":
            if b"image/png" not in body or b"\x89PNG" not in body:
                return h.json(400, {"code": 2003, "message": "file must be an image"})
            return h.json(200, {"code": 0, "data": {"image_token": "img-token-1"}})
        if method == "POST" and path == "/task":
            req = json.loads(body or b"{}")
            kind = req.get("type")
            if kind == "text_to_model" and not req.get("prompt"):
                return h.json(400, {"code": 2002, "message": "prompt is required"})
            if kind == "image_to_model" and req.get("file", {}).get("file_token") != "img-token-1":
                return h.json(400, {"code": 2002, "message": "unknown file_token"})
            if kind not in ("text_to_model", "image_to_model"):
                return h.json(400, {"code": 2002, "message": "unsupported type"})
            if self.balance < 20:
                return h.json(403, {"code": 2010, "message": "You need more credits"})
            self.balance -= 20
            task = self.new_task(kind, req)
            return h.json(200, {"code": 0, "data": {"task_id": task.id}})
        if method == "GET" and path.startswith("/task/"):
            task = self.tasks.get(path[len("/task/") :])
            if task is None:
                return h.json(404, {"code": 2001, "message": "task not found"})
            self.advance(task)
            status = {"queued": "queued", "running": "running", "done": "success", "failed": "failed"}
            output = {"pbr_model": f"{self.base_url}/files/{task.id}.glb"} if task.state == "done" else {}
            return h.json(
                200,
                {
                    "code": 0,
                    "data": {
                        "task_id": task.id,
                        "type": task.kind,
                        "status": status[task.state],
                        "progress": self.progress(task),
                        "output": output,
                    },
                },
            )
        return h.json(404, {"code": 2001, "message": "not found"})


def serve_forever_cli() -> None:  # pragma: no cover - manual use: python -m tests.fake3d
    meshy = FakeMeshy("msy-test").start()
    tripo = FakeTripo("tsk-test").start()
    print(f"MESHY_BASE_URL={meshy.url} MESHY_API_KEY=msy-test", flush=True)
    print(f"TRIPO_BASE_URL={tripo.base_url} TRIPO_API_KEY=tsk-test", flush=True)
    threading.Event().wait()


if __name__ == "__main__":  # pragma: no cover
    serve_forever_cli()
