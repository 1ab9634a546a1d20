"""Card mappings other than subject_cn, seen from outside: careidd with `[card_login]
mapping = "san"` (email, then UPN) and `"directory_certificate"` (sha256, then
issuer_serial), cards issued by `careidctl pki issue-card --san-email/--san-upn
--store-certificate`, and curl logging in to /saml/sso with each card.

A login that maps gets HTTP 200 with the SAMLResponse (or the role page) of the expected
person. A card that matches no person, or two people, gets 403 with `unknown_person` in the log.
The SAN cards carry another person's uid in their subject CN, so a login proves that the SAN
chose the person. For issuer_serial, openssl signs a second certificate with the card CA's
key and the serial number of a stored card: sha256 rejects it and issuer_serial accepts it.
userCertificate is in ldap.indexed_attributes, so both matches are indexed searches.

The test SP exists only as metadata; nothing listens at its ACS URL.
"""

import base64
import os
import re
import shutil
import sys

# Keep __pycache__ out of the source tree.
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import Careid, check, check_equal, check_in, kDemoUid, ldap_tool, main, run
from test_card_revocation import card_login, write_sp_metadata

kNobodyEmail = "nobody.registered@nhs.example"
kSharedEmail = "shared.address@nhs.example"


def people(careid):
    """Return [(uid, cn, mail)] of the generated people, in uid order, without the demo person."""
    code, out = ldap_tool(careid, "ldapsearch", ["-b", "ou=People,o=nhs", "-s", "one",
                                                 "(objectClass=nhsPerson)", "uid", "cn", "mail"],
                          bind_admin=True)
    check_equal(code, 0, f"ldapsearch of ou=People exit code (output: {out[-300:]})")
    found = []
    for block in out.strip().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        if fields.get("uid") and fields["uid"] != kDemoUid:
            found.append((fields["uid"], fields.get("cn", ""), fields.get("mail", "")))
    check(len(found) >= 10, f"at least 10 generated people, found {len(found)}")
    return sorted(found)


def issue_card(context, uid, name, *options):
    """Run `careidctl pki issue-card` for `uid` and move the card to cards/<name>.pem/.key,
    because careidctl does not replace the files of an earlier card for the same uid."""
    careid = context.careid
    code, out, err = run([careid.careidctl, "pki", "issue-card", "--data", careid.data_dir, "--uid", uid,
                          *options])
    check_equal(code, 0, f"careidctl pki issue-card {' '.join(options)} exit code (stderr: {err.strip()})")
    folder = context.subdir("cards")
    cert, key, pkcs12 = careid.card(uid)
    shutil.move(cert, os.path.join(folder, name + ".pem"))
    shutil.move(key, os.path.join(folder, name + ".key"))
    os.remove(pkcs12)
    return os.path.join(folder, name + ".pem"), os.path.join(folder, name + ".key"), out


def login(careid, card):
    """GET /saml/sso with `card` (certificate, key) and a fresh AuthnRequest; return
    (status, page text, decoded SAMLResponse or "")."""
    status, body = card_login(careid, card)
    match = re.search(r'name="SAMLResponse" value="([^"]+)"', body)
    response = base64.b64decode(match.group(1)).decode() if match else ""
    return status, body, response


def check_login_as(careid, card, person, label):
    uid, cn, _ = person
    status, body, response = login(careid, card)
    check_equal(status, 200, f"{label}: status (body: {body[:300]!r})")
    if response:
        check_in(f">{uid}<", response, f"{label}: the uid in the assertion")
    else:
        check_in(f"Signed in as {cn}", body, f"{label}: the role page")


def check_rejected(careid, card, reason, label):
    status, body, _ = login(careid, card)
    check_equal(status, 403, f"{label}: status (body: {body[:300]!r})")
    check_in(reason, body, f"{label}: the 403 page")


def ldap_modify(careid, ldif):
    code, out = ldap_tool(careid, "ldapmodify", [], input_text=ldif, bind_admin=True)
    check_equal(code, 0, f"ldapmodify exit code (output: {out.strip()})")


def der_file(context, pem, name):
    path = os.path.join(context.subdir("cards"), name + ".der")
    code, _, err = run(["openssl", "x509", "-in", pem, "-outform", "DER", "-out", path])
    check_equal(code, 0, f"openssl x509 -outform DER exit code (stderr: {err.strip()})")
    return path


def restart_with(careid, card_login):
    """Stop careidd, replace the [card_login] section of careid.toml, start careidd again."""
    check_equal(careid.stop(), 0, "careidd exit code after SIGTERM")
    config = os.path.join(careid.data_dir, "careid.toml")
    with open(config) as handle:
        text = handle.read()
    text = text.split("\n[card_login]\n")[0] + "\n[card_login]\n" + card_login
    with open(config, "w") as handle:
        handle.write(text)
    careid.start()


def configure(context):
    """Index userCertificate beside the default attributes, and map by SAN email first."""
    config = os.path.join(context.careid.data_dir, "careid.toml")
    with open(config) as handle:
        text = handle.read()
    check_in('suffix = "o=nhs"\n', text, "the demo config's suffix line")
    indexed = ('indexed_attributes = ["objectClass", "uid", "cn", "sn", "uniqueIdentifier", '
               '"nhsIDCode", "nhsJobRoleCode", "mail", "userCertificate"]\n')
    text = text.replace('suffix = "o=nhs"\n', 'suffix = "o=nhs"\n' + indexed)
    text += '\n[card_login]\nmapping = "san"\nsan_type = "email"\ndirectory_attribute = "mail"\n'
    with open(config, "w") as handle:
        handle.write(text)


def test_san_email(context):
    careid = context.careid
    first, second, third, fourth = people(careid)[:4]

    # The subject CN names `second`; the SAN names `first`, who must be the one signed in.
    card = issue_card(context, second[0], "san-email", "--san-email", first[2])
    code, out, _ = run(["openssl", "x509", "-in", card[0], "-noout", "-ext", "subjectAltName"])
    check_in(f"email:{first[2]}", out, "the card's subjectAltName")
    check_login_as(careid, card, first, "SAN email of the first person")

    nobody = issue_card(context, third[0], "san-nobody", "--san-email", kNobodyEmail)
    check_rejected(careid, nobody, "is not registered", "SAN email of nobody")

    for person in (third, fourth):
        ldap_modify(careid, f"dn: uid={person[0]},ou=People,o=nhs\nchangetype: modify\n"
                            f"replace: mail\nmail: {kSharedEmail}\n")
    shared = issue_card(context, third[0], "san-shared", "--san-email", kSharedEmail)
    check_rejected(careid, shared, "matches more than one person", "SAN email of two people")

    demo = careid.card()
    check_rejected(careid, demo, "exactly one email address", "card without a SAN")
    code, _, err = run([careid.careidctl, "pki", "issue-card", "--data", careid.data_dir, "--uid", first[0],
                        "--san-email", "no at sign"])
    check_equal(code, 1, "careidctl issue-card with an invalid SAN email exit code")
    check_in("invalid SAN email address 'no at sign'", err, "careidctl's error")


def test_san_upn(context):
    careid = context.careid
    first, second = people(careid)[4:6]
    restart_with(careid, 'mapping = "san"\nsan_type = "upn"\ndirectory_attribute = "mail"\n')

    card = issue_card(context, second[0], "san-upn", "--san-upn", first[2])
    code, out, _ = run(["openssl", "x509", "-in", card[0], "-noout", "-ext", "subjectAltName"])
    check_in("othername:", out.lower(), "the card's subjectAltName")
    check_login_as(careid, card, first, "SAN UPN of the first person")

    email_only = issue_card(context, second[0], "san-email-only", "--san-email", first[2])
    check_rejected(careid, email_only, "exactly one user principal name", "card with an email SAN only")


def reissued_copy(context, stored_pem, uid):
    """Sign a new key for `uid` with the card CA and the serial number of `stored_pem`: the
    same issuer and serial, other bytes."""
    careid = context.careid
    folder = context.subdir("cards")
    key = os.path.join(folder, "reissued.key")
    request = os.path.join(folder, "reissued.csr")
    extensions = os.path.join(folder, "reissued.ext")
    pem = os.path.join(folder, "reissued.pem")
    code, out, err = run(["openssl", "x509", "-in", stored_pem, "-noout", "-serial"])
    check_equal(code, 0, f"openssl x509 -serial exit code (stderr: {err.strip()})")
    serial = re.search(r"serial=([0-9A-Fa-f]+)", out).group(1)
    code, _, err = run(["openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                        "-subj", f"/O=nhs/OU=people/CN={uid}", "-keyout", key, "-out", request])
    check_equal(code, 0, f"openssl req exit code (stderr: {err.strip()})")
    with open(extensions, "w") as handle:
        handle.write("basicConstraints = critical,CA:FALSE\nkeyUsage = critical,digitalSignature\n"
                     "extendedKeyUsage = clientAuth\n")
    code, _, err = run(["openssl", "x509", "-req", "-in", request, "-CA", careid.card_ca,
                        "-CAkey", os.path.join(careid.data_dir, "pki", "card-ca.key"),
                        "-set_serial", "0x" + serial, "-days", "2", "-extfile", extensions, "-out", pem])
    check_equal(code, 0, f"openssl x509 -req exit code (stderr: {err.strip()})")
    return pem, key


def test_directory_certificate(context):
    careid = context.careid
    first, second, third, fourth = people(careid)[6:10]
    restart_with(careid, 'mapping = "directory_certificate"\ncertificate_match = "sha256"\n')

    stored = issue_card(context, first[0], "stored", "--store-certificate")
    check_in(f"stored in userCertificate;binary of uid={first[0]}", stored[2], "careidctl's output")
    code, out = ldap_tool(careid, "ldapsearch", ["-b", f"uid={first[0]},ou=People,o=nhs", "-s", "base",
                                                 "(objectClass=*)", "userCertificate;binary"], bind_admin=True)
    check_in("userCertificate;binary::", out, "the stored certificate over LDAP")
    check_login_as(careid, stored, first, "sha256: the stored certificate")

    not_stored = issue_card(context, second[0], "not-stored")
    check_rejected(careid, not_stored, "is not registered", "sha256: a certificate stored nowhere")

    shared = issue_card(context, third[0], "shared")
    shared_der = der_file(context, shared[0], "shared")
    for person in (third, fourth):
        ldap_modify(careid, f"dn: uid={person[0]},ou=People,o=nhs\nchangetype: modify\n"
                            f"add: userCertificate;binary\nuserCertificate;binary:< file://{shared_der}\n")
    check_rejected(careid, shared, "matches more than one person", "sha256: a certificate of two people")

    reissued = reissued_copy(context, stored[0], first[0])
    check_rejected(careid, reissued, "is not registered", "sha256: same issuer and serial, other bytes")

    restart_with(careid, 'mapping = "directory_certificate"\ncertificate_match = "issuer_serial"\n')
    check_login_as(careid, stored, first, "issuer_serial: the stored certificate")
    check_login_as(careid, reissued, first, "issuer_serial: same issuer and serial, other bytes")
    check_rejected(careid, not_stored, "is not registered", "issuer_serial: a certificate stored nowhere")
    check_rejected(careid, shared, "matches more than one person", "issuer_serial: a certificate of two people")

    with open(careid.log_path, errors="replace") as handle:
        log = handle.read()
    check_in("unknown_person", log, "the refused logins in careidd's log")


def prepare(context):
    return [write_sp_metadata(context.work_dir)]


if __name__ == "__main__":
    main("card-mapping", [test_san_email, test_san_upn, test_directory_certificate], prepare=prepare,
         configure=configure)
