"""End-to-end test of the default access policy and the bind lockout: ldapsearch, ldapmodify
and ldappasswd as anonymous, a user, a registration authority of organisation R0A, a local
admin and a service account against careidd on a demo data folder.

The root DN adds the identities first: people with role profiles at R0A (a trust) or
A81001 (a GP practice) and a service account under ou=Services, and gives them passwords
with Password Modify.
"""

import os
import sys

# Keep __pycache__ out of the source tree.
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
from harness import check, check_equal, check_in  # noqa: E402

kPassword = "Access-Test-1"
kPeople = "ou=People,o=nhs"
# uid: (organisation, job role code)
kIdentities = {
    "900000000001": ("R0A", "S0080:G0450:R5080"),     # registration authority at R0A
    "900000000002": ("R0A", "S8000:G8000:R8000"),     # user at R0A
    "900000000003": ("A81001", "S8000:G8000:R8000"),  # user at A81001
    "900000000004": ("R0A", "S0080:G0450:R5007"),     # local admin at R0A
}
kService = "cn=Portal,ou=Services,o=nhs"


def person_dn(uid):
    return f"uid={uid},{kPeople}"


def person_ldif(uid, org, role):
    dn = person_dn(uid)
    return (f"dn: {dn}\nobjectClass: top\nobjectClass: person\nobjectClass: organizationalPerson\n"
            f"objectClass: inetOrgPerson\nobjectClass: nhsPerson\nuid: {uid}\ncn: Test {uid}\nsn: Test\n"
            f"nhsPersonStatus: Active\ntelephoneNumber: 0100 {uid}\ndescription: private\n\n"
            f"dn: uniqueIdentifier={uid}0,{dn}\nobjectClass: top\nobjectClass: person\n"
            f"objectClass: organizationalPerson\nobjectClass: inetOrgPerson\nobjectClass: nhsOrgPerson\n"
            f"uniqueIdentifier: {uid}0\nuid: {uid}\ncn: Test {uid}\nsn: Test\no: Org {org}\nnhsIDCode: {org}\n\n"
            f"dn: uniqueIdentifier={uid}1,uniqueIdentifier={uid}0,{dn}\nobjectClass: top\n"
            f"objectClass: nhsOrgPersonRole\nuniqueIdentifier: {uid}1\nnhsJobRole: Test role\n"
            f"nhsJobRoleCode: {role}\nnhsIDCode: {org}\n\n")


def as_user(context, tool, dn, args, input_text=None, password=kPassword):
    """Run an ldap-utils tool bound as `dn`; return (exit code, output)."""
    return harness.ldap_tool(context.careid, tool, ["-D", dn, "-w", password, *args], input_text=input_text)


def search(context, dn, base, filter_text, *attributes, scope="sub"):
    args = ["-b", base, "-s", scope, filter_text, *attributes]
    if dn is None:
        return harness.ldap_tool(context.careid, "ldapsearch", args)
    return as_user(context, "ldapsearch", dn, args)


def modify_ldif(dn, attribute, value):
    return f"dn: {dn}\nchangetype: modify\nreplace: {attribute}\n{attribute}: {value}\n"


def identities_added_by_root(context):
    ldif = "".join(person_ldif(uid, org, role) for uid, (org, role) in kIdentities.items())
    ldif += (f"dn: {kService}\nobjectClass: top\nobjectClass: applicationProcess\n"
             f"objectClass: simpleSecurityObject\ncn: Portal\nuserPassword: placeholder\n\n")
    code, out = harness.ldap_tool(context.careid, "ldapadd", [], input_text=ldif, bind_admin=True)
    check_equal(code, 0, f"ldapadd of the test identities as root: {out}")
    for dn in [person_dn(uid) for uid in kIdentities] + [kService]:
        code, out = harness.ldap_tool(context.careid, "ldappasswd", ["-s", kPassword, dn], bind_admin=True)
        check_equal(code, 0, f"ldappasswd {dn} as root: {out}")


def anonymous_sees_only_root_dse_and_subschema(context):
    code, out = search(context, None, "", "(objectClass=*)", "namingContexts", scope="base")
    check_equal(code, 0, "anonymous root DSE search")
    check_in("namingContexts: o=nhs", out, "root DSE")
    code, out = search(context, None, "cn=Subschema", "(objectClass=*)", "objectClasses", scope="base")
    check_equal(code, 0, "anonymous subschema search")
    check_in("objectClasses:", out, "subschema")
    code, out = search(context, None, "o=nhs", "(objectClass=*)", "dn")
    check_equal(code, 32, f"anonymous search of o=nhs (noSuchObject): {out}")
    check("dn:" not in out, f"anonymous search returned entries:\n{out}")


def user_reads_public_attributes_only(context):
    reader = person_dn("900000000003")
    code, out = search(context, reader, person_dn("900000000002"), "(objectClass=*)", "*", scope="base")
    check_equal(code, 0, f"user search: {out}")
    check_in("telephoneNumber: 0100 900000000002", out, "public attribute")
    check("description" not in out, f"private attribute returned:\n{out}")
    check("userPassword" not in out, f"password returned:\n{out}")
    # A filter on a hidden attribute must not reveal its value.
    code, out = search(context, reader, kPeople, "(&(uid=900000000002)(description=private))", "uid")
    check_equal(code, 0, "filter on hidden attribute")
    check("uid:" not in out, f"hidden attribute matched:\n{out}")
    code, out = search(context, reader, person_dn("900000000003"), "(description=private)", "description",
                       scope="base")
    check_in("description: private", out, "own entry")


def root_never_reads_password(context):
    code, out = harness.ldap_tool(context.careid, "ldapsearch",
                                  ["-b", person_dn("900000000002"), "-s", "base", "(objectClass=*)", "userPassword"],
                                  bind_admin=True)
    check_equal(code, 0, "root search")
    check("userPassword" not in out, f"root read a password hash:\n{out}")


def registration_authority_stays_in_its_organisation(context):
    ra = person_dn("900000000001")
    code, out = as_user(context, "ldapmodify", ra, [],
                        input_text=modify_ldif(person_dn("900000000002"), "telephoneNumber", "0100 1"))
    check_equal(code, 0, f"RA modify of a person at its organisation: {out}")
    code, out = as_user(context, "ldapmodify", ra, [],
                        input_text=modify_ldif(person_dn("900000000003"), "telephoneNumber", "0100 1"))
    check_equal(code, 50, f"RA modify of a person at another organisation (insufficientAccessRights): {out}")
    code, out = as_user(context, "ldappasswd", ra, ["-s", "Reset-By-RA-1", person_dn("900000000002")])
    check_equal(code, 0, f"RA password reset at its organisation: {out}")
    # ldappasswd exits with 1 for every failure, so the result code is read from its output.
    code, out = as_user(context, "ldappasswd", ra, ["-s", "Reset-By-RA-1", person_dn("900000000003")])
    check(code != 0, f"RA password reset at another organisation succeeded: {out}")
    check_in("Insufficient access (50)", out, "RA password reset at another organisation")


def user_cannot_write(context):
    user = person_dn("900000000003")
    code, out = as_user(context, "ldapmodify", user, [],
                        input_text=modify_ldif(person_dn("900000000003"), "telephoneNumber", "0100 2"))
    check_equal(code, 50, f"user modify of own entry: {out}")
    code, out = as_user(context, "ldapdelete", user, [f"uniqueIdentifier=9000000000021,uniqueIdentifier="
                                                      f"9000000000020,{person_dn('900000000002')}"])
    check_equal(code, 50, f"user delete: {out}")
    code, out = as_user(context, "ldapmodrdn", user, [person_dn("900000000002"), "uid=900000000099"])
    check_equal(code, 50, f"user rename: {out}")


def local_admin_manages_own_positions(context):
    admin = person_dn("900000000004")
    for org, expected in (("R0A", 0), ("A81001", 50)):
        ldif = (f"dn: cn=Access Test Clerk,uniqueIdentifier={org},ou=Organisations,o=nhs\nobjectClass: top\n"
                f"objectClass: careidPosition\ncn: Access Test Clerk\ncareidOrgCode: {org}\n"
                f"careidBaseJobRoleCode: S8000:G8000:R8000\n\n")
        code, out = as_user(context, "ldapadd", admin, [], input_text=ldif)
        check_equal(code, expected, f"local admin adds a position at {org}: {out}")


def service_reads_only_named_attributes(context):
    code, out = search(context, kService, kPeople, "(uid=900000000002)", "*")
    check_equal(code, 0, f"service search: {out}")
    check_in("cn: Test 900000000002", out, "service reads cn")
    check("telephoneNumber" not in out, f"service read an attribute its rule does not name:\n{out}")
    code, out = search(context, kService, "ou=Organisations,o=nhs", "(objectClass=*)", "dn")
    check("dn:" not in out, f"service read organisations:\n{out}")


def lockout_after_failures(context):
    dn = person_dn("900000000003")
    for attempt in range(5):
        code, out = as_user(context, "ldapwhoami", dn, [], password="wrong")
        check_equal(code, 49, f"failed bind {attempt + 1}")
        check("locked" not in out, f"hint before lockout:\n{out}")
    code, out = as_user(context, "ldapwhoami", dn, [])
    check_equal(code, 49, "bind with the right password while locked")
    check_in("locked", out, "lockout message")

    # The lock is in the entry, so it survives a restart; the root DN unlocks it.
    context.careid.stop()
    context.careid.start()
    code, out = as_user(context, "ldapwhoami", dn, [])
    check_equal(code, 49, f"still locked after restart: {out}")
    unlock = f"dn: {dn}\nchangetype: modify\ndelete: pwdAccountLockedTime\n"
    code, out = harness.ldap_tool(context.careid, "ldapmodify", [], input_text=unlock, bind_admin=True)
    check_equal(code, 0, f"root unlock: {out}")
    code, out = as_user(context, "ldapwhoami", dn, [])
    check_equal(code, 0, f"bind after unlock: {out}")


if __name__ == "__main__":
    harness.main("ldap_access", [
        identities_added_by_root,
        anonymous_sees_only_root_dse_and_subschema,
        user_reads_public_attributes_only,
        root_never_reads_password,
        registration_authority_stays_in_its_organisation,
        user_cannot_write,
        local_admin_manages_own_positions,
        service_reads_only_named_attributes,
        lockout_after_failures,
    ])
