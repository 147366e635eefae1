#!/usr/bin/env python3
"""A peer nobody here wrote: httpx + httpx-sse reading a pushgen server's SSE stream.

Usage:
    httpx_sse_client.py METHOD URL [--json BODY] [--accept ACCEPT] [--timeout SECONDS]

Prints JSON lines on stdout:

1. the response head: {"status": 200, "content_type": "text/event-stream"};
2. one line per event that ``EventSource.iter_sse()`` yields:
   {"event": ..., "data": ..., "id": ..., "retry": ...}, as httpx-sse reports them
   (``event`` is "message" for an event without ``event:``, and ``id`` is the last event
   id in force, "" if none was ever set);
3. the end: {"end": "eof"} when the body ended, or {"error": "..."} (exit status 1) when
   httpx or httpx-sse raised, for example httpx-sse's SSEError for an answer that is not
   text/event-stream.

Without ``--accept`` the request goes through ``httpx_sse.connect_sse``, which sends
``Accept: text/event-stream`` (it overwrites any Accept it is given). With ``--accept``
the request is sent with exactly that Accept by ``httpx.Client.stream`` and the response
read with ``httpx_sse.EventSource``: the same decoder.

``--json BODY`` sends BODY as it is, with ``Content-Type: application/json``.

Every wait is bounded: httpx's connect/read timeouts, and a wall-clock alarm of
``--timeout`` seconds (default 20) after which the script exits with status 2. Proxies
from the environment are ignored (``trust_env=False``): the server is on 127.0.0.1.
"""

import argparse
import json
import os
import signal
import sys

import httpx
import httpx_sse


def emit(obj):
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def on_alarm(signum, frame):
    sys.stderr.write("httpx_sse_client.py: timed out\n")
    sys.stderr.flush()
    # Not sys.exit: that could be caught by a library's `except BaseException`.
    os._exit(2)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("method")
    parser.add_argument("url")
    parser.add_argument("--json", dest="body", default=None)
    parser.add_argument("--accept", default=None)
    parser.add_argument("--timeout", type=float, default=20.0)
    args = parser.parse_args()

    signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, args.timeout)

    headers = {}
    kwargs = {}
    if args.body is not None:
        headers["Content-Type"] = "application/json"
        kwargs["content"] = args.body.encode("utf-8")

    timeout = httpx.Timeout(args.timeout, connect=5.0)
    try:
        with httpx.Client(timeout=timeout, trust_env=False) as client:
            if args.accept is None:
                with httpx_sse.connect_sse(
                    client, args.method, args.url, headers=headers, **kwargs
                ) as source:
                    read(source)
            else:
                headers["Accept"] = args.accept
                with client.stream(
                    args.method, args.url, headers=headers, **kwargs
                ) as response:
                    read(httpx_sse.EventSource(response))
    except (httpx.HTTPError, httpx_sse.SSEError) as e:
        emit({"error": f"{type(e).__name__}: {e}"})
        return 1
    emit({"end": "eof"})
    return 0


def read(source):
    response = source.response
    emit(
        {
            "status": response.status_code,
            "content_type": response.headers.get("content-type"),
        }
    )
    for sse in source.iter_sse():
        emit({"event": sse.event, "data": sse.data, "id": sse.id, "retry": sse.retry})


if __name__ == "__main__":
    sys.exit(main())
