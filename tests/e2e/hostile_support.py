"""Helpers shared by the hostile-client scripts (test_hostile_ldap.py, test_hostile_https.py).

They restart careidd with tighter limits than the demo configuration, build raw LDAP PDUs
(BER, RFC 4511) and read the resident memory of the careidd process. Every loop in the
scripts that use them is bounded by a count or a deadline.
"""

import os
import re
import socket
import time

from harness import CheckFailed, check


def restart_with_settings(careid, sections):
    """Stop careidd, add `sections` ({"ldap": {"key": value}}) to careid.toml, start it again.

    Values are written as TOML integers. A key already in the file is replaced.
    """
    careid.stop()
    path = os.path.join(careid.data_dir, "careid.toml")
    with open(path) as handle:
        text = handle.read()

    for section, settings in sections.items():
        for key, value in settings.items():
            text = re.sub(rf"(?m)^{key} = .*\n", "", text)
        lines = "".join(f"{key} = {value}\n" for key, value in settings.items())
        header = f"[{section}]\n"
        text = text.replace(header, header + lines) if header in text else text + header + lines

    with open(path, "w") as handle:
        handle.write(text)
    careid.start()


def resident_kib(careid):
    """Return careidd's resident set size (VmRSS) in KiB."""
    with open(f"/proc/{careid.daemon.process.pid}/status") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise CheckFailed("VmRSS missing from /proc/PID/status")


def check_alive(careid):
    check(careid.daemon.running(),
          f"careidd exited with code {careid.daemon.process.returncode}")


# --- BER encoding of the few LDAP requests the scripts send (RFC 4511 4.1 to 4.5) ---

def ber_length(size):
    if size < 0x80:
        return bytes([size])
    body = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def tlv(tag, content):
    return bytes([tag]) + ber_length(len(content)) + content


def ber_integer(value, tag=0x02):
    return tlv(tag, value.to_bytes(max(1, (value.bit_length() + 8) // 8), "big", signed=True))


def ber_octets(text, tag=0x04):
    return tlv(tag, text.encode() if isinstance(text, str) else text)


def ldap_message(message_id, operation):
    return tlv(0x30, ber_integer(message_id) + operation)


def present_filter(attribute):
    return ber_octets(attribute, 0x87)


def search_request(message_id, base, scope, ldap_filter, attributes=(), size_limit=0):
    """A SearchRequest (RFC 4511 4.5.1); `ldap_filter` is already BER-encoded."""
    selection = b"".join(ber_octets(name) for name in attributes)
    body = (ber_octets(base) + ber_integer(scope, 0x0a) + ber_integer(0, 0x0a)
            + ber_integer(size_limit) + ber_integer(0) + tlv(0x01, b"\x00")
            + ldap_filter + tlv(0x30, selection))
    return ldap_message(message_id, tlv(0x63, body))


def anonymous_bind(message_id):
    return ldap_message(message_id, tlv(0x60, ber_integer(3) + ber_octets("") + ber_octets("", 0x80)))


def read_ldap_messages(sock, deadline, count=None):
    """Read LDAPMessages until the peer closes, `deadline` (time.monotonic()) passes or,
    when `count` is given, that many messages have arrived.

    Returns a list of (message id, protocolOp tag, resultCode or None). Search entries
    have resultCode None.
    """
    data = b""
    messages = []
    while time.monotonic() < deadline and (count is None or len(messages) < count):
        sock.settimeout(max(0.05, deadline - time.monotonic()))
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            break
        except ConnectionResetError:
            break
        if not chunk:
            break
        data += chunk
        data = _take_messages(data, messages)
    return messages


def _read_header(data, offset):
    """Return (tag, content offset, content length) of the element at `offset`, or None."""
    if len(data) < offset + 2:
        return None
    tag = data[offset]
    first = data[offset + 1]
    if first < 0x80:
        return tag, offset + 2, first
    count = first & 0x7f
    if len(data) < offset + 2 + count:
        return None
    return tag, offset + 2 + count, int.from_bytes(data[offset + 2:offset + 2 + count], "big")


def _take_messages(data, messages):
    while True:
        header = _read_header(data, 0)
        if header is None or len(data) < header[1] + header[2]:
            return data
        _, start, length = header
        message = data[start:start + length]
        data = data[start + length:]

        _, id_start, id_length = _read_header(message, 0)
        message_id = int.from_bytes(message[id_start:id_start + id_length], "big", signed=True)
        op_offset = id_start + id_length
        op_tag, op_start, _ = _read_header(message, op_offset)
        result_code = None
        if op_tag != 0x64:  # every response but SearchResultEntry starts with an LDAPResult
            _, code_start, code_length = _read_header(message, op_start)
            result_code = int.from_bytes(message[code_start:code_start + code_length], "big")
        messages.append((message_id, op_tag, result_code))
