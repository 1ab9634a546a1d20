"""Index kinds, `careidctl directory reindex`, memberOf after `careidctl load`, and Unicode
case folding, seen by ldapsearch.

The data folder from `careidctl demo setup` gets an `[ldap.indexes]` table with substring
indexes, an LDIF load with a group and a person with a non-ASCII name, and a reindex while
careidd is stopped. Searches that the indexes serve must return what the same filter
returns when an OR with an unindexed attribute forces a scan of the whole scope.
"""

import os
import re
import sys

# Keep __pycache__ out of the source tree.
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
from harness import check, check_equal, check_in, kBaseDn, kDemoUid, ldap_tool  # noqa: E402

kGroupsDn = f"ou=Index Test,{kBaseDn}"
kDemoPersonDn = f"uid={kDemoUid},ou=People,{kBaseDn}"
kFoldedDn = f"uid=900100,{kGroupsDn}"
kGroupDn = f"cn=Index Ward,{kGroupsDn}"

kIndexesToml = """
[ldap.indexes]
objectClass = ["eq", "pres"]
uid = ["eq", "pres"]
cn = ["eq", "pres", "sub"]
sn = ["eq", "sub"]
mail = ["pres", "sub"]
nhsIDCode = ["eq"]
"""

kLdif = f"""dn: {kGroupsDn}
objectClass: organizationalUnit
ou: Index Test

dn: {kGroupDn}
objectClass: groupOfNames
cn: Index Ward
member: {kDemoPersonDn}
member: {kFoldedDn}

dn: {kFoldedDn}
objectClass: inetOrgPerson
uid: 900100
cn:: w4lMT0RJRSBEdXBvbnQ=
sn: Dupont
"""


def config_path(context):
    return os.path.join(context.careid.data_dir, "careid.toml")


def careidctl(context, *args):
    return harness.run([context.careid.careidctl, *args], timeout=120)


def search_dns(context, filter_text, base=kBaseDn):
    code, output = ldap_tool(context.careid, "ldapsearch", ["-b", base, filter_text, "1.1"],
                             bind_admin=True)
    check_equal(code, 0, f"ldapsearch {filter_text!r} exit code (output: {output.strip()[:300]})")
    return {dn.lower() for dn in re.findall(r"^dn: (.*)$", output, re.M)}


def test_reindex_refused_while_running(context):
    code, out, err = careidctl(context, "directory", "reindex", "--config", config_path(context))
    check_equal(code, 1, f"reindex exit code while careidd runs (stdout {out!r})")
    check_in("stop careidd", err, "reindex message")


def test_load_and_reindex_offline(context):
    context.careid.stop()
    with open(config_path(context), "a") as handle:
        handle.write(kIndexesToml)
    ldif_path = os.path.join(context.work_dir, "index-test.ldif")
    with open(ldif_path, "w") as handle:
        handle.write(kLdif)

    code, out, err = careidctl(context, "load", "--config", config_path(context), ldif_path)
    check_equal(code, 0, f"careidctl load exit code (stderr {err!r})")
    check_in("added 3 entries", out, "careidctl load output")

    code, out, err = careidctl(context, "directory", "reindex", "--config", config_path(context))
    check_equal(code, 0, f"reindex exit code (stderr {err!r})")
    check(re.search(r"^reindexed \d+ entries in [0-9.]+ s$", out, re.M) is not None,
          f"reindex summary line missing: {out!r}")
    check(re.search(r"^  cn \(eq,pres,sub\): \d+ index records$", out, re.M) is not None,
          f"reindex cn line missing: {out!r}")
    context.careid.start()


def test_loaded_group_sets_member_of(context):
    for dn in (kDemoPersonDn, kFoldedDn):
        code, output = ldap_tool(context.careid, "ldapsearch",
                                 ["-b", dn, "-s", "base", "(objectClass=*)", "memberOf"],
                                 bind_admin=True)
        check_equal(code, 0, f"ldapsearch memberOf of {dn}")
        check_in(f"memberOf: {kGroupDn}", output, f"memberOf of {dn}")


def test_indexed_filters_match_scans(context):
    filters = ["(cn=*son*)", "(cn=*e)", "(sn=s*)", "(mail=*nhs*)", "(cn=*lodie*)", "(cn=ÉLO*)"]
    for filter_text in filters:
        indexed = search_dns(context, filter_text)
        scanned = search_dns(context, f"(|{filter_text}(l=no such locality))")
        check_equal(indexed, scanned, f"{filter_text} indexed against scanned results")
    check(len(search_dns(context, "(cn=*son*)")) > 0, "(cn=*son*) found no demo people")


def test_unicode_names_fold(context):
    for filter_text in ("(cn=élodie dupont)", "(cn=ÉLODIE DUPONT)", "(cn=*LODIE*)"):
        check_equal(search_dns(context, filter_text), {kFoldedDn.lower()}, filter_text)


kCases = [test_reindex_refused_while_running, test_load_and_reindex_offline,
          test_loaded_group_sets_member_of, test_indexed_filters_match_scans,
          test_unicode_names_fold]

if __name__ == "__main__":
    harness.main("directory_indexes", kCases)
