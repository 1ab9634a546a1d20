"""Hostile LDAP clients against careidd on loopback.

Each case attacks the LDAP listener the way a broken or malicious client could: slow
senders, hundreds of idle connections, oversized and deeply nested PDUs, a flood of
requests on one connection, and random bytes. After each attack careidd must still be
running and must serve a well-behaved client (ldapsearch of the root DSE) within
kServedWithinSeconds. careidd runs with tighter limits than the demo configuration
(kLimits) so that the timeouts and size limits are reached within seconds.
"""

import os
import random
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import check, check_equal, ldap_tool  # noqa: E402
from hostile_support import (anonymous_bind, ber_octets, check_alive, ldap_message,  # noqa: E402
                             present_filter, read_ldap_messages, restart_with_settings,
                             resident_kib, search_request, tlv)

kMaxPduBytes = 256 * 1024
kIdleTimeoutSeconds = 4
kLimits = {"ldap": {"max_pdu_bytes": kMaxPduBytes, "idle_timeout_seconds": kIdleTimeoutSeconds,
                    "max_connections": 1000}}

# Generous because the same cases run under ASan on a shared 2-core CI runner.
kServedWithinSeconds = 10.0

kExtendedResponse = 0x78
kSearchResultDone = 0x65
kProtocolError = 2


def connect(careid):
    return socket.create_connection(("127.0.0.1", careid.ldap_port), timeout=10)


def check_served(careid, situation):
    """ldapsearch of the root DSE must succeed within kServedWithinSeconds."""
    check_alive(careid)
    started = time.monotonic()
    code, output = ldap_tool(careid, "ldapsearch", ["-b", "", "-s", "base", "(objectClass=*)",
                                                   "namingContexts"])
    elapsed = time.monotonic() - started
    check_equal(code, 0, f"ldapsearch exit code {situation}; output: {output}")
    check("o=nhs" in output, f"root DSE without namingContexts o=nhs {situation}: {output}")
    check(elapsed < kServedWithinSeconds,
          f"ldapsearch took {elapsed:.1f} s {situation}, limit {kServedWithinSeconds} s")


def test_restart_with_tight_limits(context):
    restart_with_settings(context.careid, kLimits)
    check_served(context.careid, "after the restart")


def test_slow_senders_do_not_block_others(context):
    # Twenty clients send an anonymous bind one byte every 0.1 s (slowloris). Each byte
    # restarts the idle timer, so they stay connected; careidd must serve others meanwhile.
    request = anonymous_bind(1)
    sockets = [connect(context.careid) for _ in range(20)]
    stop = threading.Event()

    def trickle():
        for index in range(len(request)):
            if stop.is_set():
                return
            for sock in sockets:
                try:
                    sock.sendall(request[index:index + 1])
                except OSError:
                    pass
            time.sleep(0.1)

    sender = threading.Thread(target=trickle)
    sender.start()
    try:
        time.sleep(0.5)
        check_served(context.careid, "while 20 clients send one byte every 0.1 s")
        sender.join(timeout=30)
        check(not sender.is_alive(), "slow sender thread still running after 30 s")

        # The slow clients were legitimate, only slow: each gets its bindResponse.
        deadline = time.monotonic() + kServedWithinSeconds
        answered = sum(1 for sock in sockets
                       if (0x61, 0) in [(tag, code) for _, tag, code in
                                        read_ldap_messages_until(sock, deadline, 1)])
        check_equal(answered, len(sockets), "slow clients that got bindResponse success")
    finally:
        stop.set()
        sender.join(timeout=30)
        for sock in sockets:
            sock.close()


def read_ldap_messages_until(sock, deadline, count):
    """Read messages until `count` have arrived, the peer closes or `deadline` passes."""
    sock.settimeout(max(0.05, deadline - time.monotonic()))
    messages = []
    while len(messages) < count and time.monotonic() < deadline:
        got = read_ldap_messages(sock, min(deadline, time.monotonic() + 0.5))
        messages += got
        if not got and sock.fileno() < 0:
            break
    return messages


def test_many_idle_connections(context):
    # 500 connections that send nothing: careidd must serve another client meanwhile and
    # close them after idle_timeout_seconds.
    sockets = []
    try:
        for _ in range(500):
            sockets.append(connect(context.careid))
        check_served(context.careid, "with 500 idle connections open")

        time.sleep(kIdleTimeoutSeconds + 2)
        still_open = 0
        for sock in sockets:
            sock.settimeout(5)
            try:
                if sock.recv(1) != b"":
                    still_open += 1
            except socket.timeout:
                still_open += 1
            except OSError:
                pass
        check_equal(still_open, 0, f"idle connections still open {kIdleTimeoutSeconds + 2} s "
                                   f"after connecting (idle_timeout_seconds {kIdleTimeoutSeconds})")
        check_served(context.careid, "after the idle connections were closed")
    finally:
        for sock in sockets:
            sock.close()


def expect_disconnect_notice(sock, sent):
    """The server must send a Notice of Disconnection (RFC 4511 4.4.1) and close."""
    messages = read_ldap_messages(sock, time.monotonic() + kServedWithinSeconds)
    check(messages, f"no response to {sent}")
    message_id, tag, code = messages[-1]
    check_equal((message_id, tag), (0, kExtendedResponse),
                f"last message after {sent} (messageID, protocolOp tag)")
    check_equal(code, kProtocolError, f"resultCode of the notice after {sent}")


def test_oversized_pdu_declared(context):
    # A header that declares a 100 MB PDU: rejected from the header alone, before careidd
    # has buffered the content.
    with connect(context.careid) as sock:
        sock.sendall(b"\x30\x84\x06\x00\x00\x00" + b"\x02\x01\x01" + b"\x00" * 1000)
        expect_disconnect_notice(sock, "a PDU header declaring 100 MB")
    check_served(context.careid, "after a PDU declaring 100 MB")


def test_oversized_pdu_sent(context):
    # A whole AddRequest one byte over max_pdu_bytes, sent in full.
    value = b"x" * kMaxPduBytes
    attribute = tlv(0x30, ber_octets("description") + tlv(0x31, ber_octets(value)))
    pdu = ldap_message(1, tlv(0x68, ber_octets("cn=big,o=nhs") + tlv(0x30, attribute)))
    check(len(pdu) > kMaxPduBytes, "test PDU is not over the limit")
    before = resident_kib(context.careid)
    with connect(context.careid) as sock:
        try:
            sock.sendall(pdu)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may close before reading everything
        expect_disconnect_notice(sock, f"a {len(pdu)}-byte PDU")
    check_served(context.careid, "after an oversized PDU")
    grown = resident_kib(context.careid) - before
    check(grown < 64 * 1024, f"careidd grew by {grown} KiB after one oversized PDU")


def nested_filter(depth):
    """An and-filter nested `depth` times around (objectClass=*), in BER."""
    inner = present_filter("objectClass")
    for _ in range(depth):
        inner = tlv(0xa0, inner)
    return inner


def test_deeply_nested_filter(context):
    # 10,000 nested and-filters fit in max_pdu_bytes. The decoder's depth limit must return an
    # error instead of recursing that deep.
    pdu = search_request(7, "o=nhs", 2, nested_filter(10000))
    check(len(pdu) <= kMaxPduBytes, f"nested filter PDU is {len(pdu)} bytes")
    with connect(context.careid) as sock:
        sock.sendall(pdu)
        messages = read_ldap_messages_until(sock, time.monotonic() + kServedWithinSeconds, 1)
    check(messages, "no response to a search with 10,000 nested filters")
    message_id, tag, code = messages[-1]
    check(code is not None and code != 0,
          f"nested filter answered with {messages[-1]}, expected an error resultCode")
    check(tag in (kSearchResultDone, kExtendedResponse),
          f"nested filter answered with protocolOp tag {tag:#x}")
    check_served(context.careid, "after a filter nested 10,000 deep")


def test_too_many_attributes(context):
    # 20,000 attribute selectors: over the decoder's max_list_elements (10,000).
    attributes = [f"a{i}" for i in range(20000)]
    pdu = search_request(8, "o=nhs", 0, present_filter("objectClass"), attributes)
    check(len(pdu) <= kMaxPduBytes, f"attribute list PDU is {len(pdu)} bytes")
    with connect(context.careid) as sock:
        sock.sendall(pdu)
        messages = read_ldap_messages_until(sock, time.monotonic() + kServedWithinSeconds, 1)
    check(messages, "no response to a search with 20,000 attributes")
    check(messages[-1][2] not in (None, 0),
          f"20,000 attributes answered with {messages[-1]}, expected an error resultCode")
    check_served(context.careid, "after a search with 20,000 attributes")


def test_request_flood_one_peer(context):
    # One client writes 5,000 searches without waiting for responses, reading them in another
    # thread. A second client must still be served while the flood runs.
    flood = connect(context.careid)
    stop = threading.Event()
    counts = {"sent": 0, "answered": 0}

    def send_all():
        for message_id in range(1, 5001):
            if stop.is_set():
                return
            try:
                flood.sendall(search_request(message_id, "", 0, present_filter("objectClass")))
            except OSError:
                return
            counts["sent"] += 1

    def read_all():
        deadline = time.monotonic() + 120
        while counts["answered"] < 5000 and time.monotonic() < deadline and not stop.is_set():
            got = read_ldap_messages(flood, min(deadline, time.monotonic() + 1))
            counts["answered"] += sum(1 for _, tag, _ in got if tag == kSearchResultDone)

    sender = threading.Thread(target=send_all)
    reader = threading.Thread(target=read_all)
    sender.start()
    reader.start()
    try:
        time.sleep(0.5)
        check_served(context.careid, "during a flood of 5,000 searches on another connection")
        sender.join(timeout=120)
        reader.join(timeout=120)
        check_equal(counts["sent"], 5000, "flood searches sent")
        check_equal(counts["answered"], 5000, "flood searches answered with searchResDone")
    finally:
        stop.set()
        sender.join(timeout=10)
        reader.join(timeout=10)
        flood.close()
    check_served(context.careid, "after the flood")


def test_random_bytes(context):
    # Fifty connections each send 4 KB of seeded random bytes; careidd closes each one with
    # a Notice of Disconnection or simply closes, and keeps serving.
    generator = random.Random(4511)
    for _ in range(50):
        with connect(context.careid) as sock:
            try:
                sock.sendall(bytes(generator.getrandbits(8) for _ in range(4096)))
            except OSError:
                pass
            read_ldap_messages(sock, time.monotonic() + kServedWithinSeconds)
    check_served(context.careid, "after 50 connections of random bytes")


kCases = [
    test_restart_with_tight_limits,
    test_slow_senders_do_not_block_others,
    test_many_idle_connections,
    test_oversized_pdu_declared,
    test_oversized_pdu_sent,
    test_deeply_nested_filter,
    test_too_many_attributes,
    test_request_flood_one_peer,
    test_random_bytes,
]

if __name__ == "__main__":
    harness.main("hostile_ldap", kCases)
