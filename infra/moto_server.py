"""moto's AWS-protocol server on loopback, answering one request at a time.

moto's backends take no locks: two concurrent conditional writes can both pass, and a
cancelled TransactWriteItems restores a copy of the whole table over other requests' writes.
Serialising requests makes each call atomic, as it is on AWS. Connections are still accepted
concurrently (the AWS SDK keeps connections alive), only the handling is one at a time.

moto also deep-copies a whole table for every item of every TransactWriteItems, to roll back
a cancelled one: O(table x items) time, and garbage that piles up faster than Python frees it
(gigabytes for the benchmark's data sets). Since requests are serialised, saving just the
items a transaction names is an exact rollback; `_rollback_by_item` does that instead.
moto ignores TransactWriteItems' ClientRequestToken; `_idempotent_transactions` honours it
as DynamoDB does: within 10 minutes, a transaction sent again with the same token and the
same items answers as the first (committed) one did, without applying anything twice, and
with other items is an IdempotentParameterMismatchException; a failed one is not remembered.

Python's full garbage collections walk every object the server holds (0.12 s for a table of
20,000 small items, 470,000 objects), and every request waits behind them: with all the
benchmark's data sets loaded, a pause can approach the SDK's 2 s attempt timeout.
`_FrozenAfterFullCollections` moves what survived a full collection out of the next ones' way
(`gc.freeze`), so that each walks only what was made since, and logs any over 0.2 s.

And a query of a table (not of an index) walks and sorts every item of the table; on the
benchmark's 20,000-product catalog that is seconds a query. `_query_one_partition` hands
moto the queried partition's items only, which is what it filters them down to anyway.

Usage: python infra/moto_server.py [--port N] [--port-file PATH] [--tls-dir DIR]
With --port 0 (the default) the OS picks a free port; --port-file receives it once the
server listens. With --tls-dir it serves HTTPS with a certificate for localhost issued by a
throwaway CA, whose certificate it writes to DIR/ca.pem (the tests of the functions' trust
store use it); DIR must exist.
"""

import argparse
import copy
import datetime
import gc
import hashlib
import io
import json
import os
import threading
import time

import moto.dynamodb.models as dynamodb_models
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.table import Table
from moto.dynamodb.exceptions import ERROR_TYPE_PREFIX, DynamodbException
from moto.dynamodb.responses import DynamoHandler

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import make_server


class _NoTableCopies:
    """Stands in for `copy` in moto's DynamoDB backend module: tables are not copied."""

    @staticmethod
    def deepcopy(obj, memo=None):
        return obj if isinstance(obj, Table) else copy.deepcopy(obj, memo)

    copy = staticmethod(copy.copy)


def _rollback_by_item(original):
    def transact_write_items(self, transact_items):
        saved = []
        for entry in transact_items:
            try:
                op_type, op = next(iter(entry.items()))
                table_name = op["TableName"]
                table = self.get_table(table_name)
                if op_type == "Put":
                    attrs = op["Item"]
                    key = {table.hash_key_attr: attrs[table.hash_key_attr]}
                    if table.range_key_attr is not None:
                        key[table.range_key_attr] = attrs[table.range_key_attr]
                else:
                    key = op["Key"]
                current = self.get_item(table_name, key)
            except Exception:
                continue  # moto's own checks report a malformed entry
            saved.append((table_name, key, current.to_json()["Attributes"] if current else None))
        try:
            return original(self, transact_items)
        except BaseException:
            for table_name, key, attributes in reversed(saved):
                if attributes is not None:
                    self.put_item(table_name, attributes)
                elif self.get_item(table_name, key) is not None:
                    self.delete_item(table_name, key)
            raise

    return transact_write_items


def _query_one_partition(original):
    def query(self, hash_key, *args, **kwargs):
        index_name = kwargs.get("index_name", args[6] if len(args) > 6 else None)
        if index_name is not None or hash_key is None or self.range_key_attr is None:
            return original(self, hash_key, *args, **kwargs)
        partition = list(self.items.get(hash_key, {}).values())
        self.all_items = lambda: partition
        try:
            return original(self, hash_key, *args, **kwargs)
        finally:
            del self.all_items

    return query


def _idempotent_transactions(original):
    remembered = {}  # token -> (digest of the items, when, the answer)

    def transact_write_items(self):
        token = self.body.get("ClientRequestToken")
        if token is None:
            return original(self)
        digest = hashlib.sha256(
            json.dumps(self.body["TransactItems"], sort_keys=True).encode()
        ).hexdigest()
        now = time.monotonic()
        for old in [t for t, (_, at, _) in remembered.items() if now - at > 600]:
            del remembered[old]
        if token in remembered:
            first_digest, _, answer = remembered[token]
            if first_digest != digest:
                raise DynamodbException(
                    ERROR_TYPE_PREFIX + "IdempotentParameterMismatchException",
                    message="The ClientRequestToken was used with other items",
                )
            return answer
        answer = original(self)  # a failure raises and is not remembered
        remembered[token] = (digest, now, answer)
        return answer

    return transact_write_items


def patch_moto():
    dynamodb_models.copy = _NoTableCopies
    DynamoDBBackend.transact_write_items = _rollback_by_item(
        DynamoDBBackend.transact_write_items
    )
    Table.query = _query_one_partition(Table.query)
    DynamoHandler.transact_write_items = _idempotent_transactions(
        DynamoHandler.transact_write_items
    )


class KeepAliveHandler(MotoRequestHandler):
    # werkzeug writes a response's headers and body separately: with Nagle's algorithm on,
    # the body waits for the client's delayed ACK of the headers, 40 ms on Linux.
    disable_nagle_algorithm = True

    def send_header(self, keyword, value):
        # werkzeug answers every request with `Connection: close`, since http.server cannot
        # find the next request after a body the application left unread. `serialised`
        # reads every body whole, so the connection stays open for the next request, as
        # AWS keeps it: the SDK does not open (and the benchmark does not measure) a
        # connection per call. Each connection has its own thread, so an idle one never
        # holds up another. A client's own `Connection: close` still closes it.
        if keyword.lower() == "connection" and value.lower() == "close":
            return
        super().send_header(keyword, value)

    def make_environ(self):
        environ = super().make_environ()  # the request's body is read from the connection
        # After answering, werkzeug drains `self.rfile` to its end, which on a connection
        # kept open would swallow the next request and wait for the client to hang up.
        self._connection_stream, self.rfile = self.rfile, io.BytesIO()
        return environ

    def run_wsgi(self):
        try:
            super().run_wsgi()
        finally:
            self.rfile = getattr(self, "_connection_stream", self.rfile)


class _FrozenAfterFullCollections:
    """Times full collections; the next request freezes what survived them."""

    def __init__(self):
        self.started = None
        self.due = False
        gc.callbacks.append(self.collection)

    def collection(self, phase, info):
        if info["generation"] != 2:
            return
        if phase == "start":
            self.started = time.monotonic()
            return
        took = time.monotonic() - (self.started or time.monotonic())
        if took > 0.2:
            print(f"moto: a full garbage collection took {took:.1f} s", flush=True)
        self.due = True

    def freeze_if_due(self):
        if self.due:
            self.due = False
            gc.freeze()


def serialised(app):
    lock = threading.Lock()
    collections = _FrozenAfterFullCollections()

    def handle(environ, start_response):
        stream = environ["wsgi.input"]
        if environ.get("wsgi.input_terminated"):
            body = stream.read()  # chunked: werkzeug's reader stops at the last chunk
        else:
            body = stream.read(int(environ.get("CONTENT_LENGTH") or 0))
        environ["wsgi.input"] = io.BytesIO(body)
        with lock:
            collections.freeze_if_due()
            # Drain the response inside the lock: it is produced lazily.
            return list(app(environ, start_response))

    return handle


def write_tls_files(directory):
    """A CA and a localhost certificate it signs: returns the certificate and key paths."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    import ipaddress

    now = datetime.datetime.now(datetime.timezone.utc)
    validity = (now - datetime.timedelta(minutes=5), now + datetime.timedelta(days=1))

    def certificate(subject, issuer, public_key, signing_key, extensions):
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
            .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(validity[0])
            .not_valid_after(validity[1])
        )
        for extension, critical in extensions:
            builder = builder.add_extension(extension, critical=critical)
        return builder.sign(signing_key, hashes.SHA256())

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = certificate(
        "moto test CA", "moto test CA", ca_key.public_key(), ca_key,
        [(x509.BasicConstraints(ca=True, path_length=0), True),
         (x509.KeyUsage(digital_signature=False, content_commitment=False,
                        key_encipherment=False, data_encipherment=False,
                        key_agreement=False, key_cert_sign=True, crl_sign=True,
                        encipher_only=False, decipher_only=False), True)],
    )
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = certificate(
        "localhost", "moto test CA", key.public_key(), ca_key,
        [(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                       x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False),
         (x509.BasicConstraints(ca=False, path_length=None), True),
         (x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), False)],
    )
    paths = {name: os.path.join(directory, name) for name in ("ca.pem", "cert.pem", "key.pem")}
    with open(paths["key.pem"], "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM,
                                  serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    with open(paths["cert.pem"], "wb") as f:
        f.write(leaf.public_bytes(serialization.Encoding.PEM))
    with open(paths["ca.pem"], "wb") as f:
        f.write(ca.public_bytes(serialization.Encoding.PEM))
    return paths["cert.pem"], paths["key.pem"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--port-file")
    parser.add_argument("--tls-dir")
    args = parser.parse_args()
    patch_moto()

    app = serialised(DomainDispatcherApplication(create_backend_app))
    tls = write_tls_files(args.tls_dir) if args.tls_dir else None
    server = make_server(
        args.host, args.port, app, threaded=True, request_handler=KeepAliveHandler,
        ssl_context=tls,
    )
    port = server.server_address[1]
    if args.port_file:
        with open(args.port_file, "w") as f:
            f.write(f"{port}\n")
    scheme = "https" if tls else "http"
    print(f"moto listening on {scheme}://{args.host}:{port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
