"""The urllib transport against a real HTTP server on a free port: auth, JSON, errors,
streaming upload and download, and an unreachable server."""

from __future__ import annotations

import hashlib
import io
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from inet_platform import (InvalidRequestError, NotFoundError, ServerError,
                           ServerUnreachableError, Transport)
from inet_platform._transport import encode_query, iter_pages

BIG = bytes(range(256)) * (3 * 4096 + 7)  # ~3 MiB, not a multiple of any chunk size


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _send(self, status, body=b"", content_type="application/json", headers=None):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def _record(self, body=b""):
        self.server.seen.append({"method": self.command, "path": self.path,
                                 "headers": dict(self.headers.items()), "body": body})

    def do_GET(self):
        self._record()
        if self.path.startswith("/json"):
            self._send(200, json.dumps({"ok": True, "path": self.path}).encode())
        elif self.path == "/missing":
            self._send(404, json.dumps({"error_code": "RESOURCE_DOES_NOT_EXIST",
                                        "message": "Job 'x' not found"}).encode())
        elif self.path == "/html-error":
            self._send(502, b"<html>bad gateway</html>", "text/html")
        elif self.path == "/download":
            self._send(200, BIG, "application/octet-stream", {"X-Inet-Job-State": "Running"})
        elif self.path == "/empty":
            self._send(200)
        elif self.path == "/not-json":
            self._send(200, b"hello", "text/plain")
        elif self.path == "/stream":
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self.wfile.write(b"6\r\nfirst\n\r\n")
            self.wfile.flush()
            # The client must see the first chunk before the rest exists.
            self.server.streamed = self.server.first_chunk_seen.wait(10)
            self.wfile.write(b"7\r\nsecond\n\r\n0\r\n\r\n")
        elif self.path == "/hang":
            self.server.release.wait(30)
            self._send(200)
        else:
            self._send(404, b"")

    def do_PUT(self):
        length = int(self.headers.get("Content-Length", "0"))
        received = self.rfile.read(length)
        self._record(received)
        if self.path == "/reject":
            self._send(400, json.dumps({"error_code": "INVALID_PARAMETER_VALUE",
                                        "message": "bad path"}).encode())
            return
        self._send(201, json.dumps({"size": len(received),
                                    "sha256": hashlib.sha256(received).hexdigest()}).encode())

    do_POST = do_PUT


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.seen = []
    httpd.release = threading.Event()
    httpd.first_chunk_seen = threading.Event()
    httpd.streamed = None
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield httpd
    httpd.release.set()
    httpd.shutdown()
    httpd.server_close()
    thread.join()


def transport_for(server, token="secret", timeout=10.0):
    return Transport(url=f"http://127.0.0.1:{server.server_port}", token=token, timeout=timeout)


def test_json_call_sends_bearer_token_and_query(server):
    t = transport_for(server)
    answer = t.call("GET", "/json", query={"state": ["Running", "Queued"], "name": None,
                                           "follow": True})
    assert answer["ok"] is True
    assert answer["path"] == "/json?state=Running&state=Queued&follow=true"
    headers = server.seen[-1]["headers"]
    assert headers["Authorization"] == "Bearer secret"
    assert headers["User-Agent"].startswith("inet-platform-python/")


def test_no_token_no_authorization_header(server, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    t = Transport(url=f"http://127.0.0.1:{server.server_port}")
    assert t.token is None
    t.call("GET", "/json")
    assert "Authorization" not in server.seen[-1]["headers"]


def test_json_body_is_sent(server):
    t = transport_for(server)
    answer = t.call("POST", "/echo", json_body={"name": "bert"})
    assert json.loads(server.seen[-1]["body"]) == {"name": "bert"}
    assert server.seen[-1]["headers"]["Content-Type"] == "application/json"
    assert answer["size"] == len(server.seen[-1]["body"])


def test_error_body_becomes_typed_error(server):
    with pytest.raises(NotFoundError) as e:
        transport_for(server).call("GET", "/missing")
    assert e.value.status == 404
    assert e.value.message == "Job 'x' not found"


def test_non_json_error_still_typed(server):
    with pytest.raises(ServerError) as e:
        transport_for(server).call("GET", "/html-error")
    assert e.value.status == 502
    assert "bad gateway" in e.value.message


def test_empty_and_non_json_success_bodies(server):
    t = transport_for(server)
    assert t.call("GET", "/empty") == {}
    with pytest.raises(ServerError) as e:
        t.call("GET", "/not-json")
    assert "not JSON" in str(e.value)


def test_upload_streams_a_file(server, tmp_path):
    path = tmp_path / "model.pt"
    path.write_bytes(BIG)
    answer = transport_for(server).upload_file("PUT", "/upload", path,
                                               headers={"X-Inet-Artifact-Metadata": "{}"})
    assert answer == {"size": len(BIG), "sha256": hashlib.sha256(BIG).hexdigest()}
    headers = server.seen[-1]["headers"]
    assert headers["Content-Length"] == str(len(BIG))
    assert headers["Content-Type"] == "application/octet-stream"
    assert headers["X-Inet-Artifact-Metadata"] == "{}"


def test_upload_error(server, tmp_path):
    path = tmp_path / "f"
    path.write_bytes(b"x")
    with pytest.raises(InvalidRequestError):
        transport_for(server).upload_file("PUT", "/reject", path)


def test_download_streams_into_a_file_object(server):
    out = io.BytesIO()
    assert transport_for(server).download("/download", out) == len(BIG)
    assert out.getvalue() == BIG


def test_response_headers_are_case_insensitive(server):
    with transport_for(server).request("GET", "/download") as r:
        assert r.header("x-inet-job-state") == "Running"
        assert sum(len(c) for c in r.iter_chunks(65536)) == len(BIG)


def test_chunks_arrive_as_they_are_sent(server):
    with transport_for(server).request("GET", "/stream") as r:
        chunks = r.iter_chunks()
        assert next(chunks) == b"first\n"
        server.first_chunk_seen.set()
        assert b"".join(chunks) == b"second\n"
    assert server.streamed is True


def test_connection_refused_says_how_to_fix_it():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    t = Transport(url=f"http://127.0.0.1:{port}", token="t")
    with pytest.raises(ServerUnreachableError) as e:
        t.call("GET", "/api/v1/capacity")
    text = str(e.value)
    assert f"cannot reach the inet server at http://127.0.0.1:{port}" in text
    assert "inet server" in text and "INET_URL" in text
    assert isinstance(e.value, ConnectionError)


def test_unreachable_message_names_the_source(monkeypatch):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("INET_URL", f"http://127.0.0.1:{port}")
    with pytest.raises(ServerUnreachableError) as e:
        Transport().call("GET", "/x")
    assert "(from INET_URL)" in str(e.value)


def test_read_timeout_is_unreachable(server):
    with pytest.raises(ServerUnreachableError) as e:
        transport_for(server, timeout=0.2).call("GET", "/hang")
    assert "no answer within 0.2 s" in str(e.value)


def test_encode_query_drops_none_and_repeats_lists():
    assert encode_query(None) == ""
    assert encode_query({"a": None, "b": ["x", "y z"], "c": 3, "d": False}) == \
        "b=x&b=y+z&c=3&d=false"
    assert encode_query([("k", "v"), ("k", "w")]) == "k=v&k=w"


def test_iter_pages_follows_tokens_and_stops_on_a_repeated_one():
    pages = {None: {"items": [1, 2], "next_page_token": "a"},
             "a": {"items": [3], "next_page_token": ""}}
    assert list(iter_pages(lambda tok: pages[tok], "items")) == [1, 2, 3]
    stuck = {None: {"items": [1], "next_page_token": "a"},
             "a": {"items": [2], "next_page_token": "a"}}
    with pytest.raises(ServerError):
        list(iter_pages(lambda tok: stuck[tok], "items"))
