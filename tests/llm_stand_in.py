"""A local OpenAI-compatible chat-completions service for tests (standard library only).

    with ChatStandIn() as service:            # http://127.0.0.1:PORT/v1
        service.reply = "阶跃星辰完成融资 [1]。"
        service.mode = "slow" | "error" | "refusal" | "empty" | "ok"
        ... service.requests  # [{"path", "headers", "body"}], the JSON body of each request

"slow" answers after `delay` seconds (cut short when the service stops), "error" answers HTTP
500, "refusal" a message whose `refusal` is set, "empty" a message with empty content.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet."""

    def do_POST(self) -> None:
        service = self.server.service
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
        with service.lock:
            service.requests.append({"path": self.path, "headers": dict(self.headers),
                                     "body": body})
            mode, reply, delay = service.mode, service.reply, service.delay
        if self.path != "/v1/chat/completions":
            self._send(404, {"error": {"message": "not found", "type": "invalid_request_error"}})
            return
        if mode == "slow" and service.stopping.wait(delay):
            return
        if mode == "error":
            self._send(500, {"error": {"message": "the model is down", "type": "server_error"}})
            return
        message: dict[str, Any] = {"role": "assistant", "content": reply, "refusal": None}
        if mode == "refusal":
            message = {"role": "assistant", "content": None, "refusal": "I can't help with that."}
        elif mode == "empty":
            message["content"] = ""
        self._send(200, {"id": "chatcmpl-test", "object": "chat.completion", "created": 0,
                         "model": body.get("model", ""),
                         "choices": [{"index": 0, "message": message, "finish_reason": "stop",
                                      "logprobs": None}],
                         "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}})

    def _send(self, status: int, payload: dict) -> None:
        data = json.dumps(payload).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (a timeout)
            pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, service: ChatStandIn) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.service = service


class ChatStandIn:
    """An OpenAI-compatible /v1/chat/completions on a free loopback port (see the module)."""

    def __init__(self, reply: str = "", mode: str = "ok", delay: float = 30.0) -> None:
        self.reply, self.mode, self.delay = reply, mode, delay
        self.requests: list[dict] = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self._server = _Server(self)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        """The base URL a client is given (LLM_BASE_URL)."""
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()
