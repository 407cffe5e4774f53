"""A local HTTP server for the import tests: the only place a web-download (or a legacy
import task) may fetch from, started on a free loopback port in a daemon thread, and the
server settings that allow Glint to reach it (that address and that port alone)."""
from __future__ import annotations

import http.server
import threading


def serve(files: dict[str, bytes], redirects: dict[str, str] | None = None) -> int:
    """Serves `files` (path -> body) and `redirects` (path -> Location, 302) on 127.0.0.1 at
    a free port, for the life of the test process; any other path is 404. Returns the port."""
    redirects = redirects or {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (the standard library's name)
            if self.path in files:
                body = files[self.path]
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            self.send_response(302 if self.path in redirects else 404)
            if self.path in redirects:
                self.send_header("Location", redirects[self.path])
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server.server_address[1]


def reachable(port: int) -> dict[str, str]:
    """Server settings (a module's SERVER_ENV) that let imports fetch from 127.0.0.1:`port`."""
    return {
        "GLINT__WEB_DOWNLOAD__ALLOW_NETWORKS": "127.0.0.1/32",
        "GLINT__WEB_DOWNLOAD__ALLOWED_PORTS": str(port),
    }
