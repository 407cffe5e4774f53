"""A local HTTP server for the import tests: the only place a web-download (or a legacy
import task) may fetch from, started on a free loopback port in a daemon thread."""
from __future__ import annotations

import http.server
import threading


def serve(handler: type[http.server.BaseHTTPRequestHandler]) -> int:
    """Serves `handler` on 127.0.0.1 at a free port, for the life of the test process;
    returns the port."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server.server_address[1]
