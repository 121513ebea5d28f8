"""moto's AWS-protocol server on loopback, answering one request at a time.

moto's backends take no locks: two concurrent conditional writes can both pass, and a
cancelled TransactWriteItems restores a copy of the whole table over other requests' writes.
Serialising requests makes each call atomic, as it is on AWS. Connections are still accepted
concurrently (the AWS SDK keeps connections alive), only the handling is one at a time.

Usage: python infra/moto_server.py [--port N] [--port-file PATH]
With --port 0 (the default) the OS picks a free port; --port-file receives it once the
server listens.
"""

import argparse
import threading

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import make_server


def serialised(app):
    lock = threading.Lock()

    def handle(environ, start_response):
        with lock:
            # Drain the body inside the lock: the response is produced lazily.
            return list(app(environ, start_response))

    return handle


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--port-file")
    args = parser.parse_args()

    app = serialised(DomainDispatcherApplication(create_backend_app))
    server = make_server(
        args.host, args.port, app, threaded=True, request_handler=MotoRequestHandler
    )
    port = server.server_address[1]
    if args.port_file:
        with open(args.port_file, "w") as f:
            f.write(f"{port}\n")
    print(f"moto listening on http://{args.host}:{port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
