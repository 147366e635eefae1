#!/usr/bin/env python3
"""A server nobody here wrote: replays recorded SSE, NDJSON/JSON Lines and JSON text
sequence streams, byte for byte, to pushgen's generated clients.

Python standard library only. It binds 127.0.0.1 on a free port, prints the port on one
line of stdout, and serves until its stdin closes (or for --max-seconds, default 300, in
any case). Every response is written raw to the socket, head and body, so this script
decides every byte the client gets.

URLs are ``/{split}/{framing}{key}`` where ``key`` is a path in ``STREAMS``. A generated
client is given ``http://127.0.0.1:PORT/{split}/{framing}/{name}`` as its base URL, and the
operation's own path completes the key (``/envelope-crlf-bom`` + ``/consumers``).

split:
  whole   the body in one write;
  pieces  the body cut at its awkward places, one write each: inside the BOM, between CR
          and LF, just before every line break, and after the first byte of every
          multi-byte UTF-8 character;
  bytes   one byte per write, with TCP_NODELAY, a flush and a short pause after each, so
          the client gets the body split at every byte.
framing:
  chunked  Transfer-Encoding: chunked, one chunk per write, ended by the last chunk;
  close    no length: the body ends when the server closes the connection;
  cut      chunked, but the connection is closed after the body without the last chunk,
           as when a server dies mid-stream.

The streams are built from the worked examples of docs/PROTOCOL.md (section 13), then
re-encoded the ways the WHATWG rules (SSE) and section 6.2 (lines) let a peer write them.
A request whose method is not the stream's gets 405; one whose Accept does not name the
stream's media type gets 406 (so a client must ask for the binding it reads); an unknown
path gets 404.
"""

import argparse
import http.server
import socket
import sys
import threading
import time

BOM = b"\xef\xbb\xbf"

# docs/PROTOCOL.md 13.1: envelope mode over SSE (POST /consumers, topic "t", 2 events).
WIRE = "/consumers/{consumerId}/events/{offset}"
PUSH0 = (
    '{"path":"/consumers/c-t/events/0","status":200,"headers":{"offset":"0"},'
    '"body":{"kind":"message","text":"message 0","priority":"high"}}'
)
PUSH1 = (
    '{"path":"/consumers/c-t/events/1","status":200,"headers":{"offset":"1"},'
    '"body":{"kind":"heartbeat","at":"2026-11-24T00:00:01Z"}}'
)
FINAL = '{"status":201,"headers":{},"body":{"consumerId":"c-t","topic":"t","delivered":2}}'
ENVELOPE_SSE = (
    f"event: {WIRE}\ndata: {PUSH0}\n\n"
    f"event: {WIRE}\ndata: {PUSH1}\n\n"
    f"event: final\ndata: {FINAL}\n\n"
)

# docs/PROTOCOL.md 13.2: the same over NDJSON.
PUSH_LINE0 = '{"push":"%s",%s' % (WIRE, PUSH0[1:])
PUSH_LINE1 = '{"push":"%s",%s' % (WIRE, PUSH1[1:])
FINAL_LINE = '{"final":%s}' % FINAL

# The 13.1 pushes with non-ASCII text: 2-, 3- and 4-byte UTF-8 characters.
UTF8_TEXT = "naïve café ☕ 😀"
PUSH0_UTF8 = PUSH0.replace('"message 0"', '"%s"' % UTF8_TEXT)

# docs/PROTOCOL.md 13.3: watchBuild (GET /builds/b1/events).
STEP0 = '{"name":"step 0","index":0}'
STEP1 = '{"name":"step 1","index":1}'
DONE = '{"status":"passed"}'
WATCH_BUILD = (
    f"event: step\nid: step-0\ndata: {STEP0}\n\n"
    "event: log\ndata: line one\ndata: line two\n\n"
    f"event: step\nid: step-1\ndata: {STEP1}\n\n"
    f"event: done\ndata: {DONE}\n\n"
)

# docs/PROTOCOL.md 13.4: tailLog (GET /builds/b1/log), JSON Lines.
LOG0 = '{"line":"line 0","level":"info"}'
LOG1 = '{"line":"line 1"}'

# docs/PROTOCOL.md 13.5: listArtifacts (GET /builds/b1/artifacts), JSON text sequence.
LIST_ARTIFACTS = '\x1e{"name":"app","bytes":10}\n\x1e{"name":"docs"}\n\x1eend\n'

# docs/PROTOCOL.md 13.6: createCompletion with "stream":true, ending with data: [DONE].
CHUNKS = [
    '{"id":"c1","delta":{"content":"Hello"}}',
    '{"id":"c1","delta":{"content":", "}}',
    '{"id":"c1","delta":{"content":"world"}}',
]
CHAT_STREAM = "".join(f"data: {c}\n\n" for c in CHUNKS) + "data: [DONE]\n\n"

SSE = "text/event-stream"
NDJSON = "application/x-ndjson"
JSONL = "application/jsonl"
JSON_SEQ = "application/json-seq"


def crlf(text):
    return text.replace("\n", "\r\n")


def cr(text):
    return text.replace("\n", "\r")


def utf8(text):
    return text.encode("utf-8")


# key: (method, media type, body bytes)
STREAMS = {
    # 13.1 with a BOM, CRLF line ends, comments before, inside and between events
    # (one of them the keep-alive), and a comment without a space after the colon.
    "/envelope-crlf-bom/consumers": (
        "POST",
        SSE,
        BOM
        + utf8(
            crlf(
                ": recorded from docs/PROTOCOL.md 13.1\n"
                f"event: {WIRE}\n: a comment inside an event\ndata: {PUSH0}\n\n"
                ": keep-alive\n\n"
                f"event: {WIRE}\ndata: {PUSH1}\n\n"
                ":no space\n\n"
                f"event: final\ndata: {FINAL}\n\n"
            )
        ),
    ),
    # 13.1 with CR-only line ends, fields without a space after the colon, `id:` fields,
    # an event of a push item this client does not know (its data is not even JSON), an
    # event without a name (type `message`), both to be skipped unread, and fields in
    # another order (`data:` before `event:`).
    "/envelope-cr-nospace/consumers": (
        "POST",
        SSE,
        utf8(
            cr(
                f"event:{WIRE}\nid:0\ndata:{PUSH0}\n\n"
                "event:/consumers/{consumerId}/notes/{n}\ndata:not json at all\n\n"
                "data:{\"status\":999}\n\n"
                f"id:1\ndata:{PUSH1}\nevent:{WIRE}\n\n"
                f"event:final\ndata:{FINAL}\n\n"
            )
        ),
    ),
    # 13.1's first push with 2-, 3- and 4-byte characters in its text ("pieces" cuts
    # each of them after its first byte).
    "/envelope-utf8/consumers": (
        "POST",
        SSE,
        utf8(f"event: {WIRE}\ndata: {PUSH0_UTF8}\n\nevent: final\ndata: {FINAL}\n\n"),
    ),
    # 13.1 without its final event: the body ends after the second push.
    "/envelope-truncated/consumers": (
        "POST",
        SSE,
        utf8(f"event: {WIRE}\ndata: {PUSH0}\n\nevent: {WIRE}\ndata: {PUSH1}\n\n"),
    ),
    # 13.1 whose final event lacks the empty line that dispatches it: by the WHATWG
    # rules an event unfinished at the end of the body is discarded.
    "/envelope-final-undispatched/consumers": (
        "POST",
        SSE,
        utf8(ENVELOPE_SSE[: -len("\n")]),
    ),
    # 13.2 with CRLF line ends, keep-alive empty lines, whitespace around a line, a line
    # of a kind this client does not know, and a push of an unknown wire name.
    "/envelope-ndjson-crlf/consumers": (
        "POST",
        NDJSON,
        utf8(
            crlf(
                "\n"
                f"{PUSH_LINE0}\n"
                "\n\n"
                '{"kind":"from a newer server"}\n'
                '{"push":"/consumers/{consumerId}/notes/{n}","path":"/consumers/c-t/notes/1","status":200}\n'
                f" \t{PUSH_LINE1} \n"
                f"{FINAL_LINE}\n"
            )
        ),
    ),
    # 13.2 whose final line has no line break: the end of the body ends it (6.2).
    "/envelope-ndjson-no-final-lf/consumers": (
        "POST",
        NDJSON,
        utf8(f"{PUSH_LINE0}\n{PUSH_LINE1}\n{FINAL_LINE}"),
    ),
    # 13.2 without its final line.
    "/envelope-ndjson-truncated/consumers": (
        "POST",
        NDJSON,
        utf8(crlf(f"{PUSH_LINE0}\n{PUSH_LINE1}\n")),
    ),
    # 13.3 with a `retry:` field alone before the first event (it dispatches nothing),
    # another inside the `log` event, the multi-line `log` data, an event of a name the
    # client does not know, and an event without a name: both skipped.
    "/builds/multiline-retry/events": (
        "GET",
        SSE,
        utf8(
            "retry: 3000\n\n"
            f"event: step\nid: step-0\ndata: {STEP0}\n\n"
            "event: log\nretry: 1000\ndata: line one\ndata: line two\n\n"
            "event: progress\ndata: 50%\n\n"
            "data: an unnamed event\n\n"
            f"event: step\nid: step-1\ndata: {STEP1}\n\n"
            f"event: done\ndata: {DONE}\n\n"
        ),
    ),
    # 13.3 with CR-only line ends and no space after the colons. The second `log` line
    # has two spaces after its colon, of which a reader strips only the first; the third
    # is a bare `data` (no colon), an empty line of data.
    "/builds/cr-nospace/events": (
        "GET",
        SSE,
        utf8(
            cr(
                f"event:step\nid:step-0\ndata:{STEP0}\n\n"
                "event:log\ndata:line one\ndata:  line two\ndata\n\n"
                f"event:step\nid:step-1\ndata:{STEP1}\n\n"
                f"event:done\ndata:{DONE}\n\n"
            )
        ),
    ),
    # A BOM, CRLF, and a text item over three lines in 2-, 3- and 4-byte characters.
    "/builds/utf8/events": (
        "GET",
        SSE,
        BOM
        + utf8(
            crlf(
                "event: log\ndata: naïve café\ndata: ☕\ndata: 😀 日本語\n\n"
                f"event: done\ndata: {DONE}\n\n"
            )
        ),
    ),
    # 13.3's build `gone-late`: one step, then the end of the body without `done`.
    "/builds/truncated/events": (
        "GET",
        SSE,
        utf8(f"event: step\ndata: {STEP0}\n\n"),
    ),
    # 13.3, then one more step after the terminal event, which a reader never delivers.
    "/builds/after-done/events": (
        "GET",
        SSE,
        utf8(WATCH_BUILD + f"event: step\ndata: {STEP1}\n\n"),
    ),
    # 13.4 with CRLF, keep-alives, a line of whitespace only, whitespace around a line,
    # and a last record without a line break at the end of the body.
    "/builds/crlf/log": (
        "GET",
        JSONL,
        utf8(
            crlf(f"\n{LOG0}\n\n \t\n  {LOG1}\t\n")
            + '{"line":"naïve ☕ 😀","level":"warn"}'
        ),
    ),
    # 13.5 after three keep-alives (lone RS bytes), with CRLF after an element.
    "/builds/seq/artifacts": (
        "GET",
        JSON_SEQ,
        utf8("\x1e\x1e\x1e" + LIST_ARTIFACTS.replace("10}\n", "10}\r\n")),
    ),
    # 13.5 without its terminator `end`.
    "/builds/seq-truncated/artifacts": (
        "GET",
        JSON_SEQ,
        utf8(LIST_ARTIFACTS[: -len("\x1eend\n")]),
    ),
    # 13.6 with a BOM, CRLF and keep-alive comments.
    "/chat-crlf/chat/completions": (
        "POST",
        SSE,
        BOM + utf8(crlf(": keep-alive\n\n" + CHAT_STREAM.replace("\n\ndata: [", "\n\n: keep-alive\n\ndata: ["))),
    ),
    # 13.6 without `data: [DONE]`.
    "/chat-truncated/chat/completions": (
        "POST",
        SSE,
        utf8(CHAT_STREAM[: -len("data: [DONE]\n\n")]),
    ),
}

SPLITS = ("whole", "pieces", "bytes")
FRAMINGS = ("chunked", "close", "cut")
# The pause after each write of the `bytes` split: long enough that the client reads the
# writes one by one, short enough for a body of a few hundred bytes.
BYTE_PAUSE = 0.0002


def pieces(body):
    """Cuts `body` at every awkward place (see the module's docstring)."""
    cuts = set()
    for i in range(len(body)):
        if body.startswith(BOM, i) and i == 0:
            cuts.update((1, 2, 3))
        byte = body[i]
        if byte in (0x0D, 0x0A, 0x1E):
            cuts.add(i)  # the line break (or RS) starts the next piece
            cuts.add(i + 1)
        if byte >= 0xC0:  # the first byte of a multi-byte UTF-8 character
            cuts.add(i + 1)
    bounds = [0] + sorted(c for c in cuts if 0 < c < len(body)) + [len(body)]
    return [body[a:b] for a, b in zip(bounds, bounds[1:])]


class Replay(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # The socket's timeout: a client that stops reading does not hold a thread forever.
    timeout = 10

    def do_GET(self):
        self.replay()

    def do_POST(self):
        self.replay()

    def log_message(self, format, *args):
        pass

    def raw(self, data):
        self.wfile.write(data)
        self.wfile.flush()

    def plain(self, status, reason, text):
        body = utf8(text + "\n")
        self.raw(
            f"HTTP/1.1 {status} {reason}\r\ncontent-type: text/plain\r\n"
            f"content-length: {len(body)}\r\nconnection: close\r\n\r\n".encode("ascii")
            + body
        )
        self.close_connection = True

    def replay(self):
        length = int(self.headers.get("content-length") or 0)
        if length:
            self.rfile.read(length)
        parts = self.path.split("/", 3)
        if len(parts) < 4 or parts[1] not in SPLITS or parts[2] not in FRAMINGS:
            return self.plain(404, "Not Found", f"no such variant: {self.path}")
        split, framing, key = parts[1], parts[2], "/" + parts[3]
        if key not in STREAMS:
            return self.plain(404, "Not Found", f"no recorded stream at {key}")
        method, media, body = STREAMS[key]
        if self.command != method:
            return self.plain(405, "Method Not Allowed", f"{key} is {method}")
        accept = ",".join(self.headers.get_all("accept") or [])
        if media not in [r.split(";")[0].strip().lower() for r in accept.split(",")]:
            return self.plain(406, "Not Acceptable", f"{key} is {media}, asked for {accept!r}")

        self.close_connection = True
        try:
            self.stream(split, framing, media, body)
        except (BrokenPipeError, ConnectionResetError):
            # A client stops reading once it has what it wanted (the final response, the
            # terminal marker) and hangs up: the rest of the recording has no reader.
            pass

    def stream(self, split, framing, media, body):
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        head = f"HTTP/1.1 200 OK\r\ncontent-type: {media}\r\ncache-control: no-cache\r\n"
        if framing == "close":
            head += "connection: close\r\n\r\n"
        else:
            head += "transfer-encoding: chunked\r\nconnection: close\r\n\r\n"
        self.raw(head.encode("ascii"))

        if split == "whole":
            writes = [body]
        elif split == "pieces":
            writes = pieces(body)
        else:
            writes = [body[i : i + 1] for i in range(len(body))]
        for data in writes:
            if framing == "close":
                self.raw(data)
            else:
                self.raw(b"%x\r\n%s\r\n" % (len(data), data))
            if split != "whole":
                time.sleep(BYTE_PAUSE)
        if framing == "chunked":
            self.raw(b"0\r\n\r\n")
        # `close` and `cut`: the connection closes here, after the handler returns.


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-seconds", type=float, default=300.0)
    args = parser.parse_args()

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Replay)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    sys.stdout.write(f"{server.server_address[1]}\n")
    sys.stdout.flush()

    # Serve until stdin closes (the test ended or died), bounded in any case.
    watcher = threading.Thread(target=sys.stdin.buffer.read, daemon=True)
    watcher.start()
    watcher.join(args.max_seconds)
    server.shutdown()
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
