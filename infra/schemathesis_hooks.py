"""Schemathesis hooks for the contract run (infra/contract.sh).

`cargo lambda watch`, the local stand-in for API Gateway, answers a request whose body or
header values are not UTF-8 with its own 500 before any function runs (API Gateway would
hand such a body to the function base64-encoded). Those cases test the emulator, not the
API, so they are left out here; the functions' handling of binary bodies and non-ASCII
header values is covered by the Rust tests.
"""

import schemathesis


def _utf8(value):
    if isinstance(value, (bytes, bytearray)):
        try:
            value.decode("utf-8")
        except UnicodeDecodeError:
            return False
    return True


@schemathesis.hook
def filter_body(context, body):
    return _utf8(body)


@schemathesis.hook
def filter_headers(context, headers):
    return all(isinstance(v, str) and v.isascii() for v in (headers or {}).values())


@schemathesis.hook
def filter_case(context, case):
    return filter_body(context, case.body) and filter_headers(context, case.headers)
