"""Hostile HTTPS clients against careidd on loopback.

Each case attacks the HTTPS listener the way a broken or malicious client could. The
attacks are slow header senders (slowloris), hundreds of connections that never start TLS,
oversized headers and bodies, a deeply nested AuthnRequest, a DEFLATE bomb in SAMLRequest,
and a flood of requests from one peer. After each attack careidd must still be running and must
serve a well-behaved client (GET /saml/metadata) within kServedWithinSeconds. careidd runs
with a short request timeout and small size limits (kLimits) so the cases take seconds.
"""

import base64
import os
import socket
import ssl
import sys
import threading
import time
import urllib.parse
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import check, check_equal, check_in  # noqa: E402
from hostile_support import check_alive, resident_kib, restart_with_settings  # noqa: E402

kRequestTimeoutSeconds = 3
kMaxHeaderBytes = 8192
kMaxBodyBytes = 65536
kLimits = {"https": {"request_timeout_seconds": kRequestTimeoutSeconds,
                     "max_header_bytes": kMaxHeaderBytes, "max_body_bytes": kMaxBodyBytes}}

# Generous because the same cases run under ASan on a shared 2-core CI runner.
kServedWithinSeconds = 10.0


def tls_context(careid, with_card):
    context = ssl.create_default_context(cafile=careid.server_ca)
    context.check_hostname = False
    if with_card:
        certificate, key, _ = careid.card()
        context.load_cert_chain(certificate, key)
    return context


def tls_connect(careid, with_card=False):
    raw = socket.create_connection(("127.0.0.1", careid.https_port), timeout=kServedWithinSeconds)
    return tls_context(careid, with_card).wrap_socket(raw)


def read_response(sock, deadline):
    """Read until the server closes or a whole response (by Content-Length) has arrived.

    Returns (status code or None, headers and body as text).
    """
    data = b""
    while time.monotonic() < deadline:
        sock.settimeout(max(0.05, deadline - time.monotonic()))
        try:
            chunk = sock.recv(65536)
        except (socket.timeout, ssl.SSLError, ConnectionResetError):
            break
        if not chunk:
            break
        data += chunk
        if _complete(data):
            break
    text = data.decode("latin-1")
    status = int(text.split(" ", 2)[1]) if text.startswith("HTTP/1.1 ") else None
    return status, text


def _complete(data):
    head, separator, body = data.partition(b"\r\n\r\n")
    if not separator:
        return False
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return len(body) >= int(value.strip())
    return False


def request(careid, text, with_card=False):
    """Send one raw request on a new TLS connection; return (status, response text)."""
    with tls_connect(careid, with_card) as sock:
        try:
            sock.sendall(text if isinstance(text, bytes) else text.encode())
        except (OSError, ssl.SSLError):
            pass  # careidd may respond and close before it has read everything
        return read_response(sock, time.monotonic() + kServedWithinSeconds)


def check_served(careid, situation):
    """GET /saml/metadata must return 200 within kServedWithinSeconds."""
    check_alive(careid)
    started = time.monotonic()
    status, text = request(careid, "GET /saml/metadata HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                   "Connection: close\r\n\r\n")
    elapsed = time.monotonic() - started
    check_equal(status, 200, f"GET /saml/metadata status {situation}; response: {text[:300]}")
    check_in("EntityDescriptor", text, f"metadata body {situation}")
    check(elapsed < kServedWithinSeconds,
          f"GET /saml/metadata took {elapsed:.1f} s {situation}, limit {kServedWithinSeconds} s")


def check_closed_by_server(sockets, within, description):
    """Every socket must be closed by careidd (end of stream or reset) within `within` s."""
    deadline = time.monotonic() + within
    open_count = 0
    for sock in sockets:
        sock.settimeout(max(0.05, deadline - time.monotonic()))
        try:
            while sock.recv(4096):
                pass
        except socket.timeout:
            open_count += 1
        except (OSError, ssl.SSLError):
            pass
    check_equal(open_count, 0, f"{description} still open after {within} s "
                               f"(request_timeout_seconds {kRequestTimeoutSeconds})")


def test_restart_with_tight_limits(context):
    restart_with_settings(context.careid, kLimits)
    check_served(context.careid, "after the restart")


def test_slowloris_headers(context):
    # Thirty clients complete TLS, then send one header line every 0.5 s and never finish.
    # The request timeout bounds the whole request, not each read, so careidd drops them.
    sockets = [tls_connect(context.careid) for _ in range(30)]
    for sock in sockets:
        sock.sendall(b"GET /saml/metadata HTTP/1.1\r\nHost: 127.0.0.1\r\n")
    stop = threading.Event()

    def trickle():
        for line in range(20):
            if stop.wait(0.5):
                return
            for sock in sockets:
                try:
                    sock.sendall(f"X-Slow-{line}: x\r\n".encode())
                except (OSError, ssl.SSLError):
                    pass

    sender = threading.Thread(target=trickle)
    sender.start()
    try:
        check_served(context.careid, "while 30 clients send headers slowly")
        check_closed_by_server(sockets, kRequestTimeoutSeconds + 5, "slow header senders")
    finally:
        stop.set()
        sender.join(timeout=30)
        for sock in sockets:
            sock.close()


def test_many_idle_connections(context):
    # 500 TCP connections that never start TLS: the handshake deadline closes them.
    sockets = []
    try:
        for _ in range(500):
            sockets.append(socket.create_connection(("127.0.0.1", context.careid.https_port),
                                                    timeout=kServedWithinSeconds))
        check_served(context.careid, "with 500 connections that never start TLS")
        check_closed_by_server(sockets, kRequestTimeoutSeconds + 8, "connections without TLS")
        check_served(context.careid, "after the idle connections were closed")
    finally:
        for sock in sockets:
            sock.close()


def test_oversized_header(context):
    big = "x" * (kMaxHeaderBytes * 2)
    status, text = request(context.careid, f"GET /saml/metadata HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                           f"X-Big: {big}\r\n\r\n")
    check_equal(status, 431, f"status for a {len(big)}-byte header; response: {text[:200]}")
    check_served(context.careid, "after an oversized header")


def test_too_many_headers(context):
    headers = "".join(f"X-{i}: {i}\r\n" for i in range(5000))
    status, text = request(context.careid, f"GET /saml/metadata HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                           f"{headers}\r\n")
    check_equal(status, 431, f"status for 5,000 headers; response: {text[:200]}")
    check_served(context.careid, "after 5,000 headers")


def test_oversized_body_declared(context):
    # Content-Length over max_body_bytes gets 413 before any body is sent.
    status, text = request(context.careid, "POST /saml/sso HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                           "Content-Type: application/x-www-form-urlencoded\r\n"
                                           "Content-Length: 100000000\r\n\r\n")
    check_equal(status, 413, f"status for Content-Length 100000000; response: {text[:200]}")
    check_served(context.careid, "after a 100 MB Content-Length")


def test_oversized_body_chunked(context):
    # A chunked body that grows past max_body_bytes, with no Content-Length to check first.
    chunk = b"x" * 16384
    body = b"".join(b"4000\r\n" + chunk + b"\r\n" for _ in range(kMaxBodyBytes // 16384 + 2))
    head = (b"POST /saml/sso HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n\r\n")
    with tls_connect(context.careid) as sock:
        try:
            sock.sendall(head + body)
        except (OSError, ssl.SSLError):
            pass
        status, text = read_response(sock, time.monotonic() + kServedWithinSeconds)
    check_equal(status, 413, f"status for a chunked body over the limit; response: {text[:200]}")
    check_served(context.careid, "after an oversized chunked body")


def redirect_query(xml_bytes):
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    deflated = compressor.compress(xml_bytes) + compressor.flush()
    return "SAMLRequest=" + urllib.parse.quote(base64.b64encode(deflated).decode(), safe="")


def sso_get(careid, query):
    return request(careid, f"GET /saml/sso?{query} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                           f"Connection: close\r\n\r\n", with_card=True)


def test_deeply_nested_authn_request(context):
    depth = 10000
    xml = (b'<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol">'
           + b"<a>" * depth + b"</a>" * depth + b"</samlp:AuthnRequest>")
    query = redirect_query(xml)
    started = time.monotonic()
    status, text = sso_get(context.careid, query)
    check(status is not None and 400 <= status < 500,
          f"status for an AuthnRequest nested {depth} deep: {status}; response: {text[:300]}")
    check(time.monotonic() - started < kServedWithinSeconds, "nested AuthnRequest answered slowly")
    check_served(context.careid, "after a deeply nested AuthnRequest")


def test_deflate_bomb(context):
    # 10 MB of one byte deflates to about 10 KB. careidd must stop inflating at its own
    # output limit (256 KB), respond with 4xx, and not hold the 10 MB.
    query = redirect_query(b"<" + b"a" * (10 * 1024 * 1024))
    check(len(query) < 64 * 1024, f"bomb query is {len(query)} bytes, over the 64 KB query limit")
    before = resident_kib(context.careid)
    started = time.monotonic()
    status, text = sso_get(context.careid, query)
    check(status is not None and 400 <= status < 500,
          f"status for a DEFLATE bomb: {status}; response: {text[:300]}")
    check(time.monotonic() - started < kServedWithinSeconds, "DEFLATE bomb answered slowly")
    grown = resident_kib(context.careid) - before
    check(grown < 8 * 1024, f"careidd grew by {grown} KiB after a DEFLATE bomb")
    check_served(context.careid, "after a DEFLATE bomb")


def test_request_flood_one_peer(context):
    # Eight connections of one client send GET /saml/metadata back to back on kept-alive
    # connections for 3 s; another client must be served meanwhile.
    stop = threading.Event()
    served = [0] * 8

    def flood(index):
        try:
            with tls_connect(context.careid) as sock:
                while not stop.is_set():
                    sock.sendall(b"GET /saml/metadata HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                    status, _ = read_response(sock, time.monotonic() + kServedWithinSeconds)
                    if status != 200:
                        return
                    served[index] += 1
        except (OSError, ssl.SSLError):
            return

    threads = [threading.Thread(target=flood, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    try:
        time.sleep(1)
        check_served(context.careid, "during a flood of requests from 8 connections")
        time.sleep(2)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
    check(sum(served) > 0, "the flood got no 200 responses at all")
    check_served(context.careid, f"after a flood of {sum(served)} requests")


def test_garbage_before_tls(context):
    # Plain HTTP and random bytes on the TLS port: the handshake fails and careidd serves on.
    for payload in (b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", os.urandom(4096), b"\x16\x03\x01\xff\xff"):
        with socket.create_connection(("127.0.0.1", context.careid.https_port), timeout=10) as sock:
            try:
                sock.sendall(payload)
                sock.settimeout(kRequestTimeoutSeconds + 5)
                while sock.recv(4096):
                    pass
            except (OSError, socket.timeout):
                pass
    check_served(context.careid, "after bytes that are not TLS")


kCases = [
    test_restart_with_tight_limits,
    test_slowloris_headers,
    test_many_idle_connections,
    test_oversized_header,
    test_too_many_headers,
    test_oversized_body_declared,
    test_oversized_body_chunked,
    test_deeply_nested_authn_request,
    test_deflate_bomb,
    test_request_flood_one_peer,
    test_garbage_before_tls,
]

if __name__ == "__main__":
    harness.main("hostile_https", kCases)
