#!/usr/bin/env python3
"""A loopback pass-through in front of the local model server that keeps every chat answer it relays.

evolve stores why a proposal failed, not the answer's text; the recorded-answers corpus
(Tests/ProposersTests) needs the raw text the model returned. This relays each request unchanged to the
upstream server, streams the answer back unchanged (plain JSON or server-sent events), and appends one JSON
line per chat completion to the record file: the answer's text (the streamed deltas joined), the finish
reason, and the first line of the last message sent, so an answer can be matched to the prompt that asked
for it (a first proposal, a patch repair, a shorter-answer retry, a compile repair).

    record-llm-answers.py LISTEN_PORT UPSTREAM_PORT RECORD_FILE

Standard library only; listens on 127.0.0.1 and talks only to 127.0.0.1.
"""
import http.client
import http.server
import json
import sys
import threading
import time

listen_port, upstream_port, record_path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
record_lock = threading.Lock()
# Hop-by-hop headers, and the body framing this relay replaces with a close-delimited body.
SKIPPED = {"connection", "keep-alive", "transfer-encoding", "content-length", "host"}


def answer_text(body: bytes, streamed: bool):
    """The answer's text and finish reason, from a JSON body or from the joined deltas of an event stream."""
    if not streamed:
        try:
            choice = json.loads(body)["choices"][0]
            return choice.get("message", {}).get("content") or "", choice.get("finish_reason")
        except (ValueError, KeyError, IndexError, TypeError):
            return None, None
    parts, finish = [], None
    for line in body.decode("utf-8", "replace").splitlines():
        if not line.startswith("data:") or line[5:].strip() == "[DONE]":
            continue
        try:
            choice = json.loads(line[5:])["choices"][0]
        except (ValueError, KeyError, IndexError, TypeError):
            continue
        parts.append((choice.get("delta") or {}).get("content") or "")
        finish = choice.get("finish_reason") or finish
    return "".join(parts), finish


class Relay(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def log_message(self, *args):
        pass

    def relay(self):
        length = int(self.headers.get("Content-Length") or 0)
        request = self.rfile.read(length) if length else None
        upstream = http.client.HTTPConnection("127.0.0.1", upstream_port, timeout=3600)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in SKIPPED}
        upstream.request(self.command, self.path, body=request, headers=headers)
        response = upstream.getresponse()
        self.send_response(response.status, response.reason)
        for key, value in response.getheaders():
            if key.lower() not in SKIPPED:
                self.send_header(key, value)
        self.send_header("Connection", "close")
        self.end_headers()
        received = bytearray()
        while True:
            chunk = response.read1(65536)
            if not chunk:
                break
            received += chunk
            self.wfile.write(chunk)
            self.wfile.flush()
        upstream.close()
        if self.command == "POST" and self.path.endswith("/chat/completions") and request:
            self.record(request, bytes(received), response.status)

    def record(self, request: bytes, body: bytes, status: int):
        try:
            sent = json.loads(request)
        except ValueError:
            return
        messages = sent.get("messages") or []
        last = (messages[-1].get("content") or "") if messages else ""
        streamed = bool(sent.get("stream"))
        text, finish = answer_text(body, streamed)
        line = json.dumps({
            "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "status": status, "stream": streamed,
            "messages": len(messages), "asked": last.strip().splitlines()[0][:200] if last.strip() else "",
            "finish_reason": finish, "answer": text,
        })
        with record_lock, open(record_path, "a", encoding="utf-8") as out:
            out.write(line + "\n")

    do_GET = relay
    do_POST = relay


server = http.server.ThreadingHTTPServer(("127.0.0.1", listen_port), Relay)
server.daemon_threads = True
server.serve_forever()
