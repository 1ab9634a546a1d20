#!/usr/bin/env python3
"""Concurrent operations on one LDAP connection to careidd, with raw PDUs: pipelining,
Abandon (RFC 4511 4.11), Cancel (RFC 3909), Bind and StartTLS with outstanding
operations, duplicate message IDs and ldap.max_outstanding_operations.

The "large" search returns the whole demo directory (about 7,000 entries with every
attribute) to the root DN, which has no size limit. The client keeps a small receive
buffer and does not read, so the server is still streaming when the Abandon or Cancel
arrives.
"""

import socket
import time

import harness
import ldap_wire
from harness import check, check_equal
from hostile_support import present_filter, restart_with_settings, search_request

kSuccess = 0
kOperationsError = 1
kProtocolError = 2
kCanceled = 118
kNoSuchOperation = 119
kCannotCancel = 121
kClientReceiveBuffer = 4096
kDemoDn = f"uid={harness.kDemoUid},ou=People,{harness.kBaseDn}"


def connect(careid, bind_admin=True):
    """Open a connection with a small receive buffer; bind as the root DN (message 1)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, kClientReceiveBuffer)
    sock.settimeout(10)
    sock.connect(("127.0.0.1", careid.ldap_port))
    reader = ldap_wire.MessageReader(sock)
    if bind_admin:
        sock.sendall(ldap_wire.simple_bind(1, harness.kAdminDn, careid.admin_password))
        check_equal(reader.read_final(1), (ldap_wire.kBindResponseTag, kSuccess), "admin bind")
    return sock, reader


def large_search(message_id):
    return search_request(message_id, harness.kBaseDn, 2, present_filter("objectClass"), ["*", "+"])


def small_search(message_id):
    return search_request(message_id, kDemoDn, 0, present_filter("objectClass"), ["uid"])


def count_all_entries(careid):
    sock, reader = connect(careid)
    with sock:
        sock.sendall(search_request(2, harness.kBaseDn, 2, present_filter("objectClass"), ["1.1"]))
        reader.read_final(2, timeout=120)
        return ldap_wire.entries(reader.messages, 2)


def check_search_order(messages, message_id):
    done = ldap_wire.position(messages, message_id, ldap_wire.kSearchResultDoneTag)
    check(done is not None, f"no SearchResultDone for message {message_id}")
    last_entry = max((index for index, (seen, tag, _) in enumerate(messages)
                      if seen == message_id and tag == ldap_wire.kSearchResultEntryTag), default=-1)
    check(last_entry < done, f"message {message_id}: an entry came after its SearchResultDone")


def pipelined_requests_all_answered(context):
    sock, reader = connect(context.careid)
    with sock:
        sock.sendall(small_search(2) + large_search(3) + small_search(4) + small_search(5))
        for message_id in (2, 3, 4, 5):
            check_equal(reader.read_final(message_id, timeout=120), (ldap_wire.kSearchResultDoneTag, kSuccess),
                        f"SearchResultDone of message {message_id}")
            check_search_order(reader.messages, message_id)
        check_equal(ldap_wire.entries(reader.messages, 2), 1, "entries of the small search")


def abandon_stops_large_search(context):
    careid = context.careid
    total = count_all_entries(careid)
    sock, reader = connect(careid)
    with sock:
        sock.sendall(large_search(2))
        reader.read_until(lambda messages: ldap_wire.entries(messages, 2) > 0)
        sock.sendall(ldap_wire.abandon(3, 2) + small_search(4))
        check_equal(reader.read_final(4, timeout=120), (ldap_wire.kSearchResultDoneTag, kSuccess),
                    "search after the Abandon")

        # The abandoned search must send no SearchResultDone, however long we wait.
        sock.sendall(small_search(5))
        reader.read_final(5)
        check_equal(ldap_wire.final(reader.messages, 2), None, "final response of the abandoned search")
        received = ldap_wire.entries(reader.messages, 2)
        check(received < total, f"the abandoned search sent all {total} entries")
        print(f"  abandoned search sent {received} of {total} entries")


def cancel_large_search(context):
    careid = context.careid
    sock, reader = connect(careid)
    with sock:
        sock.sendall(large_search(2))
        reader.read_until(lambda messages: ldap_wire.entries(messages, 2) > 0)
        sock.sendall(ldap_wire.cancel(3, 2))
        check_equal(reader.read_final(3, timeout=120), (ldap_wire.kExtendedResponseTag, kSuccess),
                    "Cancel response")
        check_equal(ldap_wire.final(reader.messages, 2), (ldap_wire.kSearchResultDoneTag, kCanceled),
                    "SearchResultDone of the canceled search")
        done = ldap_wire.position(reader.messages, 2, ldap_wire.kSearchResultDoneTag)
        cancel_response = ldap_wire.position(reader.messages, 3, ldap_wire.kExtendedResponseTag)
        check(done < cancel_response, "the Cancel response came before the canceled search's response")


def cancel_unknown_and_finished_operations(context):
    sock, reader = connect(context.careid, bind_admin=False)
    with sock:
        sock.sendall(ldap_wire.cancel(2, 99))
        check_equal(reader.read_final(2), (ldap_wire.kExtendedResponseTag, kNoSuchOperation),
                    "Cancel of an unknown message ID")

        sock.sendall(small_search(3))
        reader.read_final(3)
        sock.sendall(ldap_wire.cancel(4, 3))
        check_equal(reader.read_final(4), (ldap_wire.kExtendedResponseTag, kNoSuchOperation),
                    "Cancel of a finished search")

        sock.sendall(ldap_wire.cancel(5, 5))
        check_equal(reader.read_final(5), (ldap_wire.kExtendedResponseTag, kCannotCancel),
                    "Cancel of itself")

        sock.sendall(ldap_wire.extended_request(6, ldap_wire.kCancelOid, b"\x30\x03\x02\x01"))
        check_equal(reader.read_final(6), (ldap_wire.kExtendedResponseTag, kProtocolError),
                    "Cancel with a truncated requestValue")


def bind_waits_for_outstanding_search(context):
    careid = context.careid
    sock, reader = connect(careid)
    with sock:
        sock.sendall(large_search(2) + ldap_wire.simple_bind(3, harness.kAdminDn, careid.admin_password))
        check_equal(reader.read_final(3, timeout=120), (ldap_wire.kBindResponseTag, kSuccess), "second bind")
        done = ldap_wire.position(reader.messages, 2, ldap_wire.kSearchResultDoneTag)
        bind = ldap_wire.position(reader.messages, 3, ldap_wire.kBindResponseTag)
        check(done is not None and done < bind, "the bind response came before the outstanding search finished")


def starttls_with_outstanding_search_rejected(context):
    sock, reader = connect(context.careid)
    with sock:
        sock.sendall(large_search(2) + ldap_wire.start_tls(3))
        check_equal(reader.read_final(3, timeout=120), (ldap_wire.kExtendedResponseTag, kOperationsError),
                    "StartTLS with an outstanding search")
        check_equal(reader.read_final(2, timeout=120), (ldap_wire.kSearchResultDoneTag, kSuccess),
                    "the outstanding search")


def duplicate_message_id_rejected(context):
    sock, reader = connect(context.careid)
    with sock:
        sock.sendall(large_search(2) + small_search(2))
        reader.read_until(lambda messages: sum(1 for seen, tag, _ in messages
                                               if seen == 2 and tag == ldap_wire.kSearchResultDoneTag) == 2,
                          timeout=120)
        codes = sorted(code for seen, tag, code in reader.messages
                       if seen == 2 and tag == ldap_wire.kSearchResultDoneTag)
        check_equal(codes, [kSuccess, kProtocolError], "resultCodes of the two searches with message ID 2")


def outstanding_limit_keeps_every_request(context):
    careid = context.careid
    restart_with_settings(careid, {"ldap": {"max_outstanding_operations": 2}})
    sock, reader = connect(careid)
    with sock:
        requests = [large_search(2)] + [small_search(message_id) for message_id in range(3, 43)]
        sock.sendall(b"".join(requests))
        for message_id in range(2, 43):
            check_equal(reader.read_final(message_id, timeout=120), (ldap_wire.kSearchResultDoneTag, kSuccess),
                        f"SearchResultDone of message {message_id}")
            check_search_order(reader.messages, message_id)


def slow_reader_disconnected(context):
    careid = context.careid
    restart_with_settings(careid, {"ldap": {"write_timeout_seconds": 2}})
    sock, reader = connect(careid)
    with sock:
        sock.sendall(large_search(2))
        time.sleep(4)

        # The server gave up on the stalled write: the client reads what was buffered, then
        # the end of the stream, and never the SearchResultDone.
        closed = False
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                reader.read_until(lambda messages: False, timeout=1)
            except harness.CheckFailed as error:
                if "closed the connection" in str(error):
                    closed = True
                    break
            except ConnectionResetError:
                closed = True
                break
        check(closed, "the server kept a connection whose client did not read for 4 s")
        check_equal(ldap_wire.final(reader.messages, 2), None, "final response to the stalled search")

    other, other_reader = connect(careid)
    with other:
        other.sendall(small_search(2))
        check_equal(other_reader.read_final(2), (ldap_wire.kSearchResultDoneTag, kSuccess),
                    "search on a new connection")


if __name__ == "__main__":
    harness.main("ldap_concurrency", [
        pipelined_requests_all_answered,
        abandon_stops_large_search,
        cancel_large_search,
        cancel_unknown_and_finished_operations,
        bind_waits_for_outstanding_search,
        starttls_with_outstanding_search_rejected,
        duplicate_message_id_rejected,
        outstanding_limit_keeps_every_request,
        slow_reader_disconnected,
    ])
