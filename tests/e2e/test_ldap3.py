"""careidd's LDAP server driven by python3-ldap3, plus a malformed PDU on a raw socket.

Covers every RFC 4515 filter type, the attribute selectors `*`, `+` and `1.1` (RFC 4511
4.5.1.8), typesOnly, sizeLimit, write round trips with their result codes, and the Notice
of Disconnection (RFC 4511 4.4.1) after a PDU that cannot be parsed.
"""

import os
import re
import socket
import sys

import ldap3

# Keep __pycache__ out of the source tree.
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
from harness import check, check_equal, check_in, kAdminDn, kBaseDn, kDemoUid  # noqa: E402
from ldap_schema import DirectorySchema  # noqa: E402

kRoundTripUid = "555000099801"
kDuplicateUid = "555000099802"
kInvalidUid = "555000099803"
kSizeLimit = 5
kNoticeOfDisconnectionOid = "1.3.6.1.4.1.1466.20036"
kProtocolError = 2
kExtendedResponseTag = 0x78  # [APPLICATION 24], constructed (RFC 4511 4.12)
kResponseNameTag = 0x8A      # [10], primitive


def connect(context, admin=True, password=None):
    """Open and bind a connection as the root DN, or anonymously when `admin` is false.

    The default access policy shows anonymous clients only the root DSE and cn=Subschema,
    so the search tests bind as the root DN.
    """
    server = ldap3.Server(context.careid.ldap_url, get_info=ldap3.NONE, connect_timeout=10)
    user = kAdminDn if admin else None
    secret = (password if password is not None else context.careid.admin_password) \
        if admin else None
    connection = ldap3.Connection(server, user=user, password=secret, raise_exceptions=False,
                                  check_names=False, receive_timeout=30,
                                  read_only=False, auto_referrals=False)
    connection.open()
    connection.bind()
    return connection


def search(connection, base, filter_text, scope=ldap3.SUBTREE, attributes=None, **kwargs):
    """Run a search; return (resultCode, [(dn, {attribute lower: [bytes]})])."""
    connection.search(base, filter_text, search_scope=scope,
                      attributes=attributes if attributes is not None else ["*"], **kwargs)
    entries = [(item["dn"], {k.lower(): v for k, v in item["raw_attributes"].items()})
               for item in connection.response or [] if item.get("type") == "searchResEntry"]
    return connection.result["result"], entries


def search_ok(connection, base, filter_text, **kwargs):
    code, entries = search(connection, base, filter_text, **kwargs)
    check_equal(code, 0, f"search {filter_text!r} under {base!r}: resultCode "
                         f"({connection.result.get('description')}: "
                         f"{connection.result.get('message')})")
    return entries


def uids(entries):
    return {values[0].decode() for _, attributes in entries
            for name, values in attributes.items() if name == "uid" and values}


def demo_person(connection):
    entries = search_ok(connection, kBaseDn, f"(&(objectClass=nhsPerson)(uid={kDemoUid}))")
    check_equal(len(entries), 1, f"entries with uid={kDemoUid}")
    return entries[0]


def expect_result(connection, result_code, description):
    check_equal(connection.result["result"], result_code,
                f"{description}: resultCode ({connection.result.get('description')}: "
                f"{connection.result.get('message')})")


def person_attributes(connection, uid):
    """Return (DN, attributes) for a new person copied from the demo person."""
    dn, attributes = demo_person(connection)
    parent = dn.split(",", 1)[1]
    copy = {name: [v.decode() for v in values] for name, values in attributes.items()}
    copy["uid"] = [uid]
    return f"uid={uid},{parent}", copy


def delete_later(context, dn):
    def delete():
        connection = connect(context, admin=True)
        connection.delete(dn)
        connection.unbind()
    context.cleanups.append(delete)


# --- rootDSE and filters ---------------------------------------------------------------

def test_root_dse(context):
    server = ldap3.Server(context.careid.ldap_url, get_info=ldap3.DSA, connect_timeout=10)
    connection = ldap3.Connection(server, auto_bind=True, receive_timeout=30)
    info = server.info
    connection.unbind()
    check(info is not None, "ldap3 read no rootDSE")
    check_in(kBaseDn, [n.lower() for n in info.naming_contexts or []], "namingContexts")
    check_in("3", [str(v) for v in info.supported_ldap_versions or []],
             "supportedLDAPVersion")


def test_filter_equality_and_or(context):
    connection = connect(context)
    check_equal(uids(search_ok(connection, kBaseDn, f"(uid={kDemoUid})")), {kDemoUid},
                "equality")
    check_equal(uids(search_ok(connection, kBaseDn,
                               f"(&(objectClass=nhsPerson)(uid={kDemoUid}))")),
                {kDemoUid}, "and")
    check_equal(uids(search_ok(connection, kBaseDn,
                               "(&(objectClass=nhsPerson)(!(objectClass=*)))")),
                set(), "and with an always-false part")
    check_equal(uids(search_ok(connection, kBaseDn,
                               f"(|(uid={kDemoUid})(uid=999999999999))")),
                {kDemoUid}, "or")
    connection.unbind()


def test_filter_not(context):
    connection = connect(context)
    everyone = uids(search_ok(connection, kBaseDn, "(objectClass=nhsPerson)", attributes=["uid"]))
    check(kDemoUid in everyone and len(everyone) > 1, f"nhsPerson uids {sorted(everyone)[:5]}")
    others = uids(search_ok(connection, kBaseDn,
                            f"(&(objectClass=nhsPerson)(!(uid={kDemoUid})))",
                            attributes=["uid"]))
    check_equal(others, everyone - {kDemoUid}, "not")
    connection.unbind()


def test_filter_substrings(context):
    connection = connect(context)
    cases = {
        "(uid=555000*)": r"^555000",
        "(uid=*000001)": r"000001$",
        "(uid=55*00*01)": r"^55.*00.*01$",
    }
    for filter_text, pattern in cases.items():
        found = uids(search_ok(connection, kBaseDn, filter_text, attributes=["uid"]))
        check_in(kDemoUid, found, f"substrings {filter_text}")
        wrong = [u for u in found if not re.search(pattern, u)]
        check(not wrong, f"substrings {filter_text} matched {wrong}")
    connection.unbind()


def ordered_attribute(context, connection):
    """Return (name, value) of a demo person attribute whose type has an ORDERING rule."""
    schema = DirectorySchema(context.careid.ldap_url)
    check(schema.available(), "careidd publishes no subschema, so no attribute with an "
                              "ORDERING rule can be chosen for >= and <=")
    _, attributes = search_ok(connection, kBaseDn, f"(&(objectClass=nhsPerson)(uid={kDemoUid}))",
                              attributes=["*", "+"])[0]
    for name, values in sorted(attributes.items()):
        info = schema.attribute(name)
        if info is not None and info.ordering and len(values) == 1:
            return name, values[0].decode()
    raise harness.CheckFailed(f"no single-valued attribute of the demo person has an ORDERING "
                              f"rule: {sorted(attributes)}")


def test_filter_greater_less_or_equal(context):
    connection = connect(context)
    name, value = ordered_attribute(context, connection)
    person = f"(objectClass=nhsPerson)(uid={kDemoUid})"
    for operator in (">=", "<="):
        found = uids(search_ok(connection, kBaseDn, f"(&{person}({name}{operator}{value}))",
                               attributes=["uid"]))
        check_equal(found, {kDemoUid}, f"({name}{operator}{value})")
    connection.unbind()


def test_filter_present(context):
    connection = connect(context)
    person_dn, _ = demo_person(connection)
    entries = search_ok(connection, person_dn, "(nhsJobRoleCode=*)",
                        attributes=["objectClass", "nhsJobRoleCode"])
    check(entries, f"no entry under {person_dn} has nhsJobRoleCode")
    for dn, attributes in entries:
        check(attributes.get("nhsjobrolecode"), f"{dn} matched but has no nhsJobRoleCode")
    connection.unbind()


def test_filter_approx(context):
    connection = connect(context)
    _, attributes = demo_person(connection)
    cn = attributes["cn"][0].decode()
    # RFC 4511 4.5.1.7.6: without an approximate rule the server may use equality, so
    # the exact value must match either way.
    found = uids(search_ok(connection, kBaseDn, f"(&(objectClass=nhsPerson)(cn~={cn}))",
                           attributes=["uid"]))
    check_in(kDemoUid, found, f"(cn~={cn})")
    connection.unbind()


# --- attribute selection, typesOnly, sizeLimit -----------------------------------------

def test_attributes_all_user(context):
    connection = connect(context)
    entries = search_ok(connection, kBaseDn, f"(&(objectClass=nhsPerson)(uid={kDemoUid}))", attributes=["*"])
    names = set(entries[0][1])
    check("uid" in names and "objectclass" in names, f"'*' returned {sorted(names)}")
    check(not names & {"createtimestamp", "modifytimestamp", "entryuuid", "entrydn",
                       "subschemasubentry", "hassubordinates"},
          f"'*' returned operational attributes: {sorted(names)}")
    connection.unbind()


def test_attributes_operational_only(context):
    connection = connect(context)
    entries = search_ok(connection, kBaseDn, f"(&(objectClass=nhsPerson)(uid={kDemoUid}))", attributes=["+"])
    check_equal(len(entries), 1, "entries for '+'")
    names = set(entries[0][1])
    check(not names & {"uid", "objectclass", "cn"}, f"'+' returned user attributes: "
                                                     f"{sorted(names)}")
    connection.unbind()


def test_attributes_none(context):
    connection = connect(context)
    entries = search_ok(connection, kBaseDn, f"(&(objectClass=nhsPerson)(uid={kDemoUid}))", attributes=["1.1"])
    check_equal(len(entries), 1, "entries for '1.1'")
    check_equal(entries[0][1], {}, "attributes for '1.1'")
    connection.unbind()


def test_types_only(context):
    connection = connect(context)
    entries = search_ok(connection, kBaseDn, f"(&(objectClass=nhsPerson)(uid={kDemoUid}))", types_only=True)
    attributes = entries[0][1]
    check_in("uid", attributes, "typesOnly attribute names")
    with_values = {name: values for name, values in attributes.items() if values}
    check_equal(with_values, {}, "typesOnly attributes that carry values")
    connection.unbind()


def test_size_limit_exceeded(context):
    connection = connect(context)
    code, entries = search(connection, kBaseDn, "(objectClass=nhsPerson)",
                           attributes=["1.1"], size_limit=kSizeLimit)
    check_equal(code, 4, f"sizeLimit {kSizeLimit}: resultCode "
                         f"({connection.result.get('description')})")
    check_equal(len(entries), kSizeLimit, "entries returned before sizeLimitExceeded")
    connection.unbind()


# --- writes and errors -----------------------------------------------------------------

def test_add_modify_delete_round_trip(context):
    connection = connect(context, admin=True)
    dn, attributes = person_attributes(connection, kRoundTripUid)
    connection.add(dn, attributes=attributes)
    expect_result(connection, 0, f"add {dn}")

    connection.modify(dn, {"mail": [(ldap3.MODIFY_REPLACE, ["ldap3.round.trip@nhs.example"])]})
    expect_result(connection, 0, f"modify {dn}")
    entries = search_ok(connection, dn, "(objectClass=*)", scope=ldap3.BASE,
                        attributes=["mail"])
    check_equal(entries[0][1].get("mail"), [b"ldap3.round.trip@nhs.example"], "mail")

    connection.delete(dn)
    expect_result(connection, 0, f"delete {dn}")
    code, _ = search(connection, dn, "(objectClass=*)", scope=ldap3.BASE)
    check_equal(code, 32, "search of the deleted entry: resultCode")
    connection.unbind()


def test_missing_base_no_such_object(context):
    connection = connect(context)
    code, entries = search(connection, f"ou=Nowhere,{kBaseDn}", "(objectClass=*)")
    check_equal(code, 32, "search under a missing base: resultCode")
    check_equal(entries, [], "entries under a missing base")
    connection.unbind()


def test_wrong_password_invalid_credentials(context):
    connection = connect(context, admin=True, password="not-the-admin-password")
    check(not connection.bound, "bind with a wrong password succeeded")
    expect_result(connection, 49, "bind with a wrong password")
    connection.unbind()


def test_add_existing_entry_already_exists(context):
    connection = connect(context, admin=True)
    dn, attributes = person_attributes(connection, kDuplicateUid)
    connection.add(dn, attributes=attributes)
    expect_result(connection, 0, f"first add {dn}")
    delete_later(context, dn)
    connection.add(dn, attributes=attributes)
    expect_result(connection, 68, f"second add {dn}")
    connection.unbind()


def test_missing_must_object_class_violation(context):
    connection = connect(context, admin=True)
    dn, _ = person_attributes(connection, kInvalidUid)
    delete_later(context, dn)
    connection.add(dn, attributes={"objectClass": ["top", "nhsPerson"], "uid": [kInvalidUid]})
    expect_result(connection, 65, "add of an nhsPerson with only uid")
    connection.unbind()


def test_unknown_attribute_undefined_type(context):
    connection = connect(context, admin=True)
    dn, _ = demo_person(connection)
    connection.modify(dn, {"careidNoSuchAttribute": [(ldap3.MODIFY_ADD, ["x"])]})
    expect_result(connection, 17, "modify adding an undefined attribute type")
    connection.unbind()


def test_syntax_and_single_value_errors(context):
    connection = connect(context, admin=True)
    dn, attributes = demo_person(connection)
    classes = [c.decode() for c in attributes["objectclass"] if c.decode().lower() != "top"]
    schema = DirectorySchema(context.careid.ldap_url)
    check(schema.available(), "careidd publishes no subschema (rootDSE subschemaSubentry)")

    numeric = schema.numeric_attribute(classes)
    check(numeric, f"no Integer or Numeric String attribute is allowed in {classes}")
    connection.modify(dn, {numeric: [(ldap3.MODIFY_REPLACE, ["not-a-number"])]})
    expect_result(connection, 21, f"replace {numeric} with not-a-number")

    single = schema.single_value_attribute(classes)
    check(single, f"no SINGLE-VALUE attribute is allowed in {classes}")
    connection.modify(dn, {single: [(ldap3.MODIFY_REPLACE, ["1", "2"])]})
    expect_result(connection, 19, f"replace SINGLE-VALUE {single} with two values")
    connection.unbind()


def test_delete_person_not_leaf(context):
    connection = connect(context, admin=True)
    dn, _ = demo_person(connection)
    connection.delete(dn)
    expect_result(connection, 66, f"delete {dn} with role profiles below it")
    demo_person(connection)
    connection.unbind()


# --- malformed PDU ---------------------------------------------------------------------

def read_tlv(data, offset):
    """Decode one BER element at `offset`; return (tag, value, next offset).

    Raises CheckFailed on truncation. Handles definite lengths only, which is all that
    RFC 4511 5.1 allows in LDAP.
    """
    check(offset + 2 <= len(data), f"BER element truncated at offset {offset}: {data.hex()}")
    tag, first = data[offset], data[offset + 1]
    offset += 2
    length = first
    if first & 0x80:
        count = first & 0x7F
        check(0 < count <= 4 and offset + count <= len(data), f"bad BER length: {data.hex()}")
        length = int.from_bytes(data[offset:offset + count], "big")
        offset += count
    check(offset + length <= len(data), f"BER value truncated: {data.hex()}")
    return tag, data[offset:offset + length], offset + length


def receive_until_closed(sock, timeout):
    sock.settimeout(timeout)
    data = b""
    while True:
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            return data, False
        if not chunk:
            return data, True
        data += chunk


def test_malformed_pdu_notice_of_disconnection(context):
    bystander = connect(context)
    check(bystander.bound, "second connection failed to bind")

    # RFC 4511 4.1.1: a messageID that cannot be parsed (here an OCTET STRING in place of
    # the INTEGER) makes the server send a Notice of Disconnection and close the session.
    malformed = bytes([0x30, 0x08, 0x04, 0x01, 0x41, 0x60, 0x03, 0x02, 0x01, 0x03])
    with socket.create_connection(("127.0.0.1", context.careid.ldap_port), timeout=10) as sock:
        sock.sendall(malformed)
        data, closed = receive_until_closed(sock, timeout=10)

    check(closed, f"careidd kept the connection open after a malformed PDU; got {data.hex()}")
    tag, message, _ = read_tlv(data, 0)
    check_equal(tag, 0x30, "LDAPMessage tag")
    tag, message_id, offset = read_tlv(message, 0)
    check_equal((tag, message_id), (0x02, b"\x00"), "messageID of the notice (tag, value)")
    tag, response, _ = read_tlv(message, offset)
    check_equal(tag, kExtendedResponseTag, "protocolOp tag")

    tag, result_code, offset = read_tlv(response, 0)
    check_equal((tag, int.from_bytes(result_code, "big")), (0x0A, kProtocolError),
                "resultCode (tag, value)")
    _, _, offset = read_tlv(response, offset)  # matchedDN
    _, _, offset = read_tlv(response, offset)  # diagnosticMessage
    names = []
    while offset < len(response):
        tag, value, offset = read_tlv(response, offset)
        if tag == kResponseNameTag:
            names.append(value.decode())
    check_equal(names, [kNoticeOfDisconnectionOid], "responseName")

    entries = search_ok(bystander, kBaseDn, f"(&(objectClass=nhsPerson)(uid={kDemoUid}))", attributes=["uid"])
    check_equal(uids(entries), {kDemoUid}, "search on the other connection afterwards")
    bystander.unbind()


kCases = [
    test_root_dse,
    test_filter_equality_and_or,
    test_filter_not,
    test_filter_substrings,
    test_filter_greater_less_or_equal,
    test_filter_present,
    test_filter_approx,
    test_attributes_all_user,
    test_attributes_operational_only,
    test_attributes_none,
    test_types_only,
    test_size_limit_exceeded,
    test_add_modify_delete_round_trip,
    test_missing_base_no_such_object,
    test_wrong_password_invalid_credentials,
    test_add_existing_entry_already_exists,
    test_missing_must_object_class_violation,
    test_unknown_attribute_undefined_type,
    test_syntax_and_single_value_errors,
    test_malformed_pdu_notice_of_disconnection,
    test_delete_person_not_leaf,
]

if __name__ == "__main__":
    harness.main("ldap3", kCases)
