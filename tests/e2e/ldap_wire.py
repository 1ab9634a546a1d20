"""Raw LDAP requests and a response reader for the connection-layer scripts
(test_ldap_tls.py, test_ldap_concurrency.py): pipelining, Abandon, Cancel and StartTLS
need control over each PDU that ldap-utils and ldap3 do not give.

Builds on the BER helpers in hostile_support.py (RFC 4511 4.1 to 4.5).
"""

import socket
import time

from harness import CheckFailed
from hostile_support import _take_messages, ber_integer, ber_octets, ldap_message, tlv

kStartTlsOid = "1.3.6.1.4.1.1466.20037"
kCancelOid = "1.3.6.1.1.8"

kSearchResultEntryTag = 0x64
kSearchResultDoneTag = 0x65
kBindResponseTag = 0x61
kExtendedResponseTag = 0x78


def simple_bind(message_id, dn, password):
    body = ber_integer(3) + ber_octets(dn) + ber_octets(password, 0x80)
    return ldap_message(message_id, tlv(0x60, body))


def sasl_bind(message_id, mechanism, credentials=None):
    """A SASL BindRequest (RFC 4511 4.2): AuthenticationChoice sasl [3] SaslCredentials."""
    sasl = ber_octets(mechanism)
    if credentials is not None:
        sasl += ber_octets(credentials)
    body = ber_integer(3) + ber_octets("") + tlv(0xa3, sasl)
    return ldap_message(message_id, tlv(0x60, body))


def extended_request(message_id, oid, value=None):
    body = ber_octets(oid, 0x80)
    if value is not None:
        body += ber_octets(value, 0x81)
    return ldap_message(message_id, tlv(0x77, body))


def start_tls(message_id):
    return extended_request(message_id, kStartTlsOid)


def cancel(message_id, target_id):
    """A Cancel request (RFC 3909 2): cancelRequestValue ::= SEQUENCE { cancelID }."""
    return extended_request(message_id, kCancelOid, tlv(0x30, ber_integer(target_id)))


def abandon(message_id, target_id):
    return ldap_message(message_id, ber_integer(target_id, 0x50))


class MessageReader:
    """Reads LDAPMessages from one socket and keeps partial PDUs between calls.

    Each message is (message id, protocolOp tag, resultCode or None for entries).
    """

    def __init__(self, sock):
        self.sock = sock
        self.data = b""
        self.messages = []

    def read_until(self, done, timeout=30.0):
        """Read until done(messages) is true; raise CheckFailed after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while not done(self.messages):
            if time.monotonic() > deadline:
                raise CheckFailed(f"timed out after {timeout} s; messages so far: {summary(self.messages)}")
            self.sock.settimeout(max(0.05, deadline - time.monotonic()))
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                continue
            if not chunk:
                raise CheckFailed(f"server closed the connection; messages so far: {summary(self.messages)}")
            self.data = _take_messages(self.data + chunk, self.messages)
        return self.messages

    def read_final(self, message_id, timeout=30.0):
        """Read until the final response (anything but an entry) for `message_id` arrives."""
        self.read_until(lambda messages: final(messages, message_id) is not None, timeout)
        return final(self.messages, message_id)


def final(messages, message_id):
    """Return (tag, resultCode) of the first non-entry response to `message_id`, or None."""
    for seen_id, tag, code in messages:
        if seen_id == message_id and tag != kSearchResultEntryTag:
            return tag, code
    return None


def entries(messages, message_id):
    return sum(1 for seen_id, tag, _ in messages if seen_id == message_id and tag == kSearchResultEntryTag)


def position(messages, message_id, tag):
    """Index of the first message with this id and tag, or None."""
    for index, (seen_id, seen_tag, _) in enumerate(messages):
        if seen_id == message_id and seen_tag == tag:
            return index
    return None


def summary(messages, limit=20):
    """Short text of the last messages, for failure output."""
    last = messages[-limit:]
    return f"{len(messages)} messages, last {len(last)}: {last}"
