"""LDAP write load with a ledger of what careidd acknowledged, for the crash and backup tests.

Writer threads bind as the directory administrator with python3-ldap3, add `device`
entries below a parent DN and replace the description of entries they added. Each
operation that careidd acknowledges with success goes into a shared Ledger.
"""

import random
import threading

import ldap3
from ldap3.core.exceptions import LDAPException

from harness import check, kAdminDn


def connect(careid):
    server = ldap3.Server("127.0.0.1", port=careid.ldap_port, get_info=ldap3.NONE,
                          connect_timeout=10)
    return ldap3.Connection(server, user=kAdminDn, password=careid.admin_password,
                            auto_bind=True, receive_timeout=20, raise_exceptions=False)


def add_unit(careid, dn):
    """Add the organizationalUnit `dn` (ou=NAME,...) that the writers add their entries below;
    an existing one is kept."""
    connection = connect(careid)
    try:
        name = dn.split(",", 1)[0].split("=", 1)[1]
        if not connection.add(dn, ["organizationalUnit"], {"ou": name}):
            check(connection.result["result"] == 68, f"add {dn}: {connection.result}")
    finally:
        connection.unbind()


class Ledger:
    """What careidd acknowledged, shared by the writer threads.

    `acknowledged` maps each added DN to the description of its last acknowledged write.
    `in_flight` maps a DN to the description of a modify sent but not acknowledged.
    """

    def __init__(self):
        self.lock = threading.Lock()
        self.acknowledged = {}
        self.in_flight = {}


class Writer(threading.Thread):
    """Adds entries named cn=<name>-<n> below `parent` and modifies them until careidd goes
    away or `stop` is set."""

    def __init__(self, careid, parent, name, ledger, stop, seed):
        super().__init__(daemon=True)
        self.careid = careid
        self.parent = parent
        self.prefix = name
        self.ledger = ledger
        self.stop = stop
        self.random = random.Random(seed)
        self.added = []
        self.acknowledged_operations = 0
        self.error = None

    def run(self):
        try:
            connection = connect(self.careid)
        except LDAPException as error:
            self.error = f"cannot bind: {error!r}"
            return
        number = 0
        try:
            while not self.stop.is_set():
                self.add(connection, f"{self.prefix}-{number}")
                if self.added:
                    self.modify(connection, self.random.choice(self.added), f"v{number}")
                number += 1
        except (LDAPException, OSError):
            pass  # careidd was killed: the connection breaks
        finally:
            try:
                connection.unbind()
            except (LDAPException, OSError):
                pass

    def add(self, connection, cn):
        dn = f"cn={cn},{self.parent}"
        if connection.add(dn, ["device"], {"cn": cn, "description": "v0"}):
            with self.ledger.lock:
                self.ledger.acknowledged[dn] = "v0"
            self.added.append(dn)
            self.acknowledged_operations += 1
        elif connection.result and connection.result.get("result") not in (None, 0):
            self.error = f"add {dn}: {connection.result}"
            self.stop.set()

    def modify(self, connection, dn, value):
        with self.ledger.lock:
            self.ledger.in_flight[dn] = value
        if connection.modify(dn, {"description": [(ldap3.MODIFY_REPLACE, [value])]}):
            with self.ledger.lock:
                self.ledger.acknowledged[dn] = value
                del self.ledger.in_flight[dn]
            self.acknowledged_operations += 1
        elif connection.result and connection.result.get("result") not in (None, 0):
            self.error = f"modify {dn}: {connection.result}"
            self.stop.set()


def stored_descriptions(careid, parent):
    """Return {lower-case DN: description} of every device entry below `parent`."""
    connection = connect(careid)
    try:
        # The root DN has no size limit.
        connection.search(parent, "(objectClass=device)", attributes=["description"])
        check(connection.result.get("result") == 0,
              f"search below {parent} failed: {connection.result}")
        stored = {}
        for entry in connection.response:
            if entry.get("type") == "searchResEntry":
                values = entry["attributes"].get("description") or [""]
                stored[entry["dn"].lower()] = values[0]
        return stored
    finally:
        connection.unbind()
