"""careidd's modify DN, Password Modify and controls, driven by ldap-utils and python3-ldap3.

Each case works on its own subtree below ou=OpsTest,o=nhs, which the first case creates,
so the cases do not depend on the demo data beyond o=nhs. ldap-utils exit with the LDAP
resultCode of the failed operation, so error cases check the exit code.
"""

import os
import sys
import threading

# Keep __pycache__ out of the source tree.
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import ldap3  # noqa: E402

import harness  # noqa: E402
from harness import check, check_equal, check_in, kAdminDn, ldap_tool  # noqa: E402

kTestBase = "ou=OpsTest,o=nhs"
kPagedResultsOid = "1.2.840.113556.1.4.319"
kPreReadOid = "1.3.6.1.1.13.1"
kPostReadOid = "1.3.6.1.1.13.2"
kSubtreeDeleteOid = "1.2.840.113556.1.4.805"
kPermissiveModifyOid = "1.2.840.113556.1.4.1413"


def ou_ldif(dn, name):
    return f"dn: {dn}\nobjectClass: top\nobjectClass: organizationalUnit\nou: {name}\n\n"


def person_ldif(dn, uid, cn, surname):
    return (f"dn: {dn}\nobjectClass: top\nobjectClass: person\nobjectClass: organizationalPerson\n"
            f"objectClass: inetOrgPerson\nobjectClass: nhsPerson\nuid: {uid}\ncn: {cn}\nsn: {surname}\n"
            f"nhsPersonStatus: Active\n\n")


def add(context, ldif):
    code, output = ldap_tool(context.careid, "ldapadd", [], input_text=ldif, bind_admin=True)
    check_equal(code, 0, f"ldapadd exit code (output: {output.strip()[:500]})")


def make_people(context, unit, names):
    """Create ou=<unit> below kTestBase with one person per (uid, cn, sn); return its DN."""
    base = f"ou={unit},{kTestBase}"
    ldif = ou_ldif(base, unit)
    for uid, cn, surname in names:
        ldif += person_ldif(f"uid={uid},{base}", uid, cn, surname)
    add(context, ldif)
    return base


def search_dns(context, base, filter_text, *extra, bind_admin=True):
    code, output = ldap_tool(context.careid, "ldapsearch", [*extra, "-b", base, filter_text, "1.1"],
                             bind_admin=bind_admin)
    return code, output, [dn for dn, _ in harness.parse_ldif(output)]


def exists(context, dn):
    code, _, _ = search_dns(context, dn, "(objectClass=*)", "-s", "base")
    return code == 0


def connect(context):
    server = ldap3.Server(context.careid.ldap_url, get_info=ldap3.NONE, connect_timeout=10)
    connection = ldap3.Connection(server, user=kAdminDn, password=context.careid.admin_password,
                                  raise_exceptions=False, check_names=False, receive_timeout=30,
                                  auto_referrals=False)
    connection.open()
    connection.bind()
    return connection


def ber_length(size):
    if size < 0x80:
        return bytes([size])
    encoded = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(encoded)]) + encoded


def attribute_selection(*names):
    """BER of an RFC 4527 AttributeSelection: SEQUENCE OF LDAPString."""
    body = b"".join(b"\x04" + ber_length(len(name)) + name.encode() for name in names)
    return b"\x30" + ber_length(len(body)) + body


def assertion_present(name):
    """BER of an RFC 4528 assertion value: the present filter (NAME=*)."""
    return b"\x87" + ber_length(len(name)) + name.encode()


def assertion_equal(name, value):
    """BER of an RFC 4528 assertion value: the equality filter (NAME=VALUE)."""
    body = b"\x04" + ber_length(len(name)) + name.encode() + b"\x04" + ber_length(len(value)) + value.encode()
    return b"\xa3" + ber_length(len(body)) + body


def response_control(connection, oid):
    controls = connection.result.get("controls") or {}
    check_in(oid, controls, f"response controls of {connection.result.get('description')}")
    return controls[oid]["value"]


def test_create_test_subtree(context):
    add(context, ou_ldif(kTestBase, "OpsTest"))


def test_modrdn_renames_entry(context):
    base = make_people(context, "Rename", [("555000077001", "Carol Cole", "Cole")])
    old_dn = f"uid=555000077001,{base}"
    code, output = ldap_tool(context.careid, "ldapmodrdn", ["-r", old_dn, "uid=555000077002"], bind_admin=True)
    check_equal(code, 0, f"ldapmodrdn exit code (output: {output.strip()})")
    check(not exists(context, old_dn), f"{old_dn} still exists after the rename")
    code, output, dns = search_dns(context, base, "(uid=555000077002)")
    check_equal(dns, [f"uid=555000077002,{base}"], "entries found by the new uid")
    code, output, dns = search_dns(context, base, "(uid=555000077001)")
    check_equal(dns, [], "entries found by the old uid (deleteoldrdn was set)")


def test_modrdn_moves_subtree(context):
    source = make_people(context, "MoveSource", [("555000077011", "Dan Dale", "Dale")])
    target = make_people(context, "MoveTarget", [])
    code, output = ldap_tool(context.careid, "ldapmodrdn", ["-s", target, source, "ou=Moved"], bind_admin=True)
    check_equal(code, 0, f"ldapmodrdn -s exit code (output: {output.strip()})")
    moved_person = f"uid=555000077011,ou=Moved,{target}"
    check(exists(context, moved_person), f"{moved_person} is missing after the move")
    check(not exists(context, source), f"{source} still exists after the move")


def test_modrdn_errors(context):
    base = make_people(context, "RenameErrors", [("555000077021", "Eve East", "East"),
                                                  ("555000077022", "Fay Fox", "Fox")])
    first = f"uid=555000077021,{base}"
    cases = [
        (["-r", first, "uid=555000077022"], 68, "new DN taken"),
        (["-r", f"uid=555000077029,{base}", "uid=555000077028"], 32, "missing entry"),
        (["-s", first, base, "ou=Inside"], 53, "move below itself"),
        (["-s", "o=elsewhere", first, "uid=555000077023"], 71, "move out of the naming context"),
        (["-r", first, "dc=x"], 65, "RDN attribute not allowed"),
    ]
    for args, expected, description in cases:
        code, output = ldap_tool(context.careid, "ldapmodrdn", args, bind_admin=True)
        check_equal(code, expected, f"ldapmodrdn {description}: exit code (output: {output.strip()})")
        check_in(f"({expected})", output, f"ldapmodrdn {description}: result code in the message")


def test_passwd_generates_and_changes(context):
    base = make_people(context, "Passwords", [("555000077031", "Gus Gray", "Gray")])
    person = f"uid=555000077031,{base}"
    code, output = ldap_tool(context.careid, "ldappasswd", [person], bind_admin=True)
    check_equal(code, 0, f"ldappasswd (generate) exit code (output: {output.strip()})")
    check_in("New password: ", output, "ldappasswd output")
    generated = output.split("New password: ", 1)[1].split()[0]
    check_equal(len(generated), 20, "generated password length")

    code, output = ldap_tool(context.careid, "ldapwhoami", ["-D", person, "-w", generated])
    check_equal(code, 0, f"bind with the generated password (output: {output.strip()})")

    # The user changes their own password with the old one; a wrong old one is refused.
    code, output = ldap_tool(context.careid, "ldappasswd",
                             ["-D", person, "-w", generated, "-a", "wrong", "-s", "new secret"])
    # ldappasswd exits 1 on any failed result, so the result code is read from its message.
    check_equal(code, 1, f"ldappasswd with a wrong old password: exit code (output: {output.strip()})")
    check_in("(49)", output, "ldappasswd with a wrong old password: result code")
    code, output = ldap_tool(context.careid, "ldappasswd",
                             ["-D", person, "-w", generated, "-a", generated, "-s", "new secret"])
    check_equal(code, 0, f"ldappasswd by the user (output: {output.strip()})")
    code, output = ldap_tool(context.careid, "ldapwhoami", ["-D", person, "-w", "new secret"])
    check_equal(code, 0, f"bind with the new password (output: {output.strip()})")

    code, output = ldap_tool(context.careid, "ldapsearch", ["-b", person, "-s", "base", "(objectClass=*)",
                                                            "userPassword"], bind_admin=True)
    check_equal(code, 0, f"searching userPassword as root (output: {output.strip()})")
    # The access policy hides password hashes from everyone, root included; the engine test
    # "password modify by policy" checks that the stored value is an Argon2id hash.
    check("userPassword" not in output, f"root read a password hash:\n{output}")


def test_paged_search_ldapsearch(context):
    names = [(f"5550000771{i:02d}", f"Paged Person {i:02d}", f"Person{i:02d}") for i in range(7)]
    base = make_people(context, "Paged", names)
    code, output, dns = search_dns(context, base, "(objectClass=nhsPerson)", "-E", "pr=2/noprompt")
    check_equal(code, 0, f"ldapsearch -E pr=2/noprompt exit code (output: {output.strip()[:500]})")
    check_equal(len(dns), 7, "entries over all pages")
    check_equal(len(set(dns)), 7, "distinct entries over all pages")


def test_paged_search_ldap3(context):
    names = [(f"5550000772{i:02d}", f"Ldap3 Person {i:02d}", f"Other{i:02d}") for i in range(5)]
    base = make_people(context, "Paged3", names)
    connection = connect(context)
    try:
        seen = []
        cookie = None
        pages = 0
        while True:
            connection.search(base, "(objectClass=nhsPerson)", attributes=["uid"], paged_size=2,
                              paged_cookie=cookie)
            check_equal(connection.result["result"], 0, f"paged search page {pages + 1}")
            seen += [item["dn"] for item in connection.response if item.get("type") == "searchResEntry"]
            cookie = response_control(connection, kPagedResultsOid)["cookie"]
            pages += 1
            if not cookie or pages > 10:
                break
        check_equal(pages, 3, "pages for 5 entries at 2 a page")
        check_equal(len(set(seen)), 5, "distinct entries over all pages")

        # Page size 0 with the cookie abandons the search (RFC 2696 3); the cookie then fails.
        connection.search(base, "(objectClass=nhsPerson)", attributes=["uid"], paged_size=2)
        cookie = response_control(connection, kPagedResultsOid)["cookie"]
        connection.search(base, "(objectClass=nhsPerson)", attributes=["uid"], paged_size=0, paged_cookie=cookie)
        check_equal(connection.result["result"], 0, "abandoning a paged search")
        connection.search(base, "(objectClass=nhsPerson)", attributes=["uid"], paged_size=2, paged_cookie=cookie)
        check_equal(connection.result["result"], 53, "a cookie after its search was abandoned")
    finally:
        connection.unbind()


def test_server_side_sort(context):
    base = make_people(context, "Sorted", [("555000077301", "Zoe Zed", "Zed"), ("555000077302", "Amy Ash", "Ash"),
                                           ("555000077303", "Mia Moss", "Moss")])
    code, output = ldap_tool(context.careid, "ldapsearch",
                             ["-E", "sss=cn", "-b", base, "(objectClass=nhsPerson)", "cn"], bind_admin=True)
    check_equal(code, 0, f"ldapsearch -E sss=cn exit code (output: {output.strip()[:500]})")
    order = [attributes["cn"][0] for _, attributes in harness.parse_ldif(output)]
    check_equal(order, ["Amy Ash", "Mia Moss", "Zoe Zed"], "order with sss=cn")

    code, output = ldap_tool(context.careid, "ldapsearch",
                             ["-E", "sss=-sn", "-b", base, "(objectClass=nhsPerson)", "cn"], bind_admin=True)
    order = [attributes["cn"][0] for _, attributes in harness.parse_ldif(output)]
    check_equal(order, ["Zoe Zed", "Mia Moss", "Amy Ash"], "order with sss=-sn")

    code, output = ldap_tool(context.careid, "ldapsearch",
                             ["-E", "!sss=noSuchAttribute", "-b", base, "(objectClass=nhsPerson)"], bind_admin=True)
    check_equal(code, 12, f"critical sort on an unknown attribute (output: {output.strip()[:500]})")


def test_assertion_control(context):
    base = make_people(context, "Assert", [("555000077401", "Ian Ives", "Ives")])
    person = f"uid=555000077401,{base}"
    change = f"dn: {person}\nchangetype: modify\nreplace: sn\nsn: Ivy\n\n"
    code, output = ldap_tool(context.careid, "ldapmodify", ["-e", "assert=(sn=Nobody)"], input_text=change,
                             bind_admin=True)
    check_equal(code, 122, f"ldapmodify with a failing assertion (output: {output.strip()})")
    code, output = ldap_tool(context.careid, "ldapmodify", ["-e", "assert=(sn=Ives)"], input_text=change,
                             bind_admin=True)
    check_equal(code, 0, f"ldapmodify with a matching assertion (output: {output.strip()})")
    code, output, dns = search_dns(context, base, "(objectClass=*)", "-e", "assert=(ou=Nobody)")
    check_equal(code, 122, f"ldapsearch with a failing assertion on the base (output: {output.strip()})")


def test_unknown_critical_control(context):
    # ldapsearch 2.5 sends a control named only by its OID as a search extension (-E).
    code, output, _ = search_dns(context, "o=nhs", "(objectClass=*)", "-s", "base", "-E", "!1.2.3.4")
    check_equal(code, 12, f"ldapsearch -E !1.2.3.4 exit code (output: {output.strip()})")
    code, output, dns = search_dns(context, "o=nhs", "(objectClass=*)", "-s", "base", "-E", "1.2.3.4")
    check_equal(code, 0, f"ldapsearch -E 1.2.3.4 (not critical) exit code (output: {output.strip()})")
    check_equal(dns, ["o=nhs"], "entries with an ignored control")


def test_root_dse_lists_controls(context):
    code, output = ldap_tool(context.careid, "ldapsearch",
                             ["-b", "", "-s", "base", "(objectClass=*)", "supportedControl", "supportedExtension"])
    check_equal(code, 0, f"root DSE search (output: {output.strip()})")
    for oid in [kPagedResultsOid, "1.2.840.113556.1.4.473", "2.16.840.1.113730.3.4.2", "1.3.6.1.1.12",
                kPreReadOid, kPostReadOid, kSubtreeDeleteOid, kPermissiveModifyOid]:
        check_in(f"supportedControl: {oid}", output, "root DSE")
    check_in("supportedExtension: 1.3.6.1.4.1.4203.1.11.1", output, "root DSE")


def test_pre_and_post_read(context):
    base = make_people(context, "ReadControls", [("555000077501", "Jo Jay", "Jay")])
    person = f"uid=555000077501,{base}"
    connection = connect(context)
    try:
        controls = [(kPreReadOid, True, attribute_selection("sn")), (kPostReadOid, True, attribute_selection("sn"))]
        connection.modify(person, {"sn": [(ldap3.MODIFY_REPLACE, ["Jolly"])]}, controls=controls)
        check_equal(connection.result["result"], 0, f"modify with read controls: {connection.result}")
        # ldap3 decodes both values as SearchResultEntry and keeps their attributes.
        before = response_control(connection, kPreReadOid)
        after = response_control(connection, kPostReadOid)
        check_equal(before["result"]["sn"], ["Jay"], "pre-read sn")
        check_equal(after["result"]["sn"], ["Jolly"], "post-read sn")

        connection.modify_dn(person, "uid=555000077502", controls=[(kPostReadOid, True, attribute_selection("uid"))])
        check_equal(connection.result["result"], 0, f"modify DN with post-read: {connection.result}")
        renamed = response_control(connection, kPostReadOid)
        check_equal(renamed["result"]["uid"], ["555000077502"], "post-read uid after the rename")
    finally:
        connection.unbind()


def test_read_controls_follow_access_rules(context):
    """A person who may change their own password reads only what a search would show them."""
    base = make_people(context, "ReadAccess", [("555000077551", "Max Moss", "Moss")])
    person = f"uid=555000077551,{base}"
    secret = b"0123456789abcdef0123"
    admin = connect(context)
    try:
        admin.modify(person, {"objectClass": [(ldap3.MODIFY_ADD, ["careidPasswordLogin"])],
                              "careidTotpSecret": [(ldap3.MODIFY_ADD, [secret])]})
        check_equal(admin.result["result"], 0, f"setting up the person: {admin.result}")
        admin.extend.standard.modify_password(person, new_password="pw-read-1")
        check_equal(admin.result["result"], 0, f"setting the person's password: {admin.result}")
    finally:
        admin.unbind()

    server = ldap3.Server(context.careid.ldap_url, get_info=ldap3.NONE, connect_timeout=10)
    connection = ldap3.Connection(server, user=person, password="pw-read-1", raise_exceptions=False,
                                  check_names=False, receive_timeout=30, auto_referrals=False)
    connection.open()
    check(connection.bind(), f"bind as {person}: {connection.result}")
    try:
        everything = attribute_selection("*", "+", "careidTotpSecret", "userPassword")
        connection.modify(person, {"userPassword": [(ldap3.MODIFY_REPLACE, ["pw-read-2"])]},
                          controls=[(kPreReadOid, True, everything), (kPostReadOid, True, everything)])
        check_equal(connection.result["result"], 0, f"own password change with read controls: {connection.result}")
        for oid in (kPreReadOid, kPostReadOid):
            attributes = {name.lower() for name in response_control(connection, oid)["result"]}
            check_in("cn", attributes, f"attributes of control {oid}")
            check("careidtotpsecret" not in attributes, f"control {oid} returned careidTotpSecret")
            check("userpassword" not in attributes, f"control {oid} returned userPassword")

        # An assertion on a value the person may not read fails instead of confirming it.
        connection.modify(person, {"sn": [(ldap3.MODIFY_REPLACE, ["Moss"])]},
                          controls=[("1.3.6.1.1.12", True, assertion_present("careidTotpSecret"))])
        check_equal(connection.result["result"], 122, f"assertion on a hidden attribute: {connection.result}")
    finally:
        connection.unbind()

    # An anonymous search cannot see the person, with or without an assertion, so the
    # assertion reveals nothing (noSuchObject, 32, either way).
    for extra in ([], ["-e", "assert=(careidTotpSecret=*)"], ["-e", "assert=(uid=nobody)"]):
        code, output = ldap_tool(context.careid, "ldapsearch", [*extra, "-b", person, "-s", "base", "1.1"])
        check_equal(code, 32, f"anonymous ldapsearch {extra} (output: {output.strip()})")


def test_assertion_counts_without_lost_updates(context):
    """Four connections increment one counter by compare-and-swap with the assertion control.

    careidd tests the assertion and takes the pre-read entry in the modify's own write
    transaction, so no two increments start from the same value.
    """
    base = make_people(context, "Counter", [("555000077581", "Cas Count", "Count")])
    person = f"uid=555000077581,{base}"
    admin = connect(context)
    try:
        admin.modify(person, {"description": [(ldap3.MODIFY_REPLACE, ["0"])]})
        check_equal(admin.result["result"], 0, f"setting the counter: {admin.result}")
    finally:
        admin.unbind()

    threads, increments = 4, 15
    started_from = []
    lock = threading.Lock()

    def increment_all():
        connection = connect(context)
        try:
            done = 0
            while done < increments:
                connection.search(person, "(objectClass=*)", ldap3.BASE, attributes=["description"])
                current = connection.entries[0].description.value
                controls = [("1.3.6.1.1.12", True, assertion_equal("description", current)),
                            (kPreReadOid, True, attribute_selection("description"))]
                connection.modify(person, {"description": [(ldap3.MODIFY_REPLACE, [str(int(current) + 1)])]},
                                  controls=controls)
                if connection.result["result"] == 0:
                    before = response_control(connection, kPreReadOid)["result"]["description"]
                    with lock:
                        started_from.append(before[0])
                    done += 1
                elif connection.result["result"] != 122:
                    raise AssertionError(f"increment failed: {connection.result}")
        finally:
            connection.unbind()

    workers = [threading.Thread(target=increment_all) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)

    total = threads * increments
    check_equal(len(started_from), total, "successful increments")
    check_equal(sorted(started_from, key=int), [str(value) for value in range(total)],
                "pre-read values of the increments (each old value once)")
    connection = connect(context)
    try:
        connection.search(person, "(objectClass=*)", ldap3.BASE, attributes=["description"])
        check_equal(connection.entries[0].description.value, str(total), "counter after the increments")
    finally:
        connection.unbind()


def test_subtree_delete_and_permissive(context):
    base = make_people(context, "Doomed", [("555000077601", "Kim Key", "Key")])
    person = f"uid=555000077601,{base}"
    connection = connect(context)
    try:
        connection.modify(person, {"cn": [(ldap3.MODIFY_ADD, ["Kim Key"])]})
        check_equal(connection.result["result"], 20, "adding an existing value without permissive modify")
        connection.modify(person, {"cn": [(ldap3.MODIFY_ADD, ["Kim Key", "Kimberley Key"])]},
                          controls=[(kPermissiveModifyOid, True, None)])
        check_equal(connection.result["result"], 0, f"permissive modify: {connection.result}")

        connection.delete(base)
        check_equal(connection.result["result"], 66, "deleting a non-leaf without the control")
        connection.delete(base, controls=[(kSubtreeDeleteOid, True, None)])
        check_equal(connection.result["result"], 0, f"subtree delete: {connection.result}")
    finally:
        connection.unbind()
    check(not exists(context, person), f"{person} survived the subtree delete")
    check(not exists(context, base), f"{base} survived the subtree delete")


def test_ldapdelete_recursive(context):
    base = make_people(context, "Recursive", [("555000077701", "Lee Lake", "Lake")])
    code, output = ldap_tool(context.careid, "ldapdelete", ["-r", base], bind_admin=True)
    check_equal(code, 0, f"ldapdelete -r exit code (output: {output.strip()})")
    check(not exists(context, base), f"{base} survived ldapdelete -r")


kCases = [
    test_create_test_subtree,
    test_modrdn_renames_entry,
    test_modrdn_moves_subtree,
    test_modrdn_errors,
    test_passwd_generates_and_changes,
    test_paged_search_ldapsearch,
    test_paged_search_ldap3,
    test_server_side_sort,
    test_assertion_control,
    test_unknown_critical_control,
    test_root_dse_lists_controls,
    test_pre_and_post_read,
    test_read_controls_follow_access_rules,
    test_assertion_counts_without_lost_updates,
    test_subtree_delete_and_permissive,
    test_ldapdelete_recursive,
]

if __name__ == "__main__":
    harness.main("ldap_operations", kCases)
