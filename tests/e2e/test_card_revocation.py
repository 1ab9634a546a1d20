"""Card revocation seen from outside: a demo card logs in with curl, and `careidctl card revoke`
(another process) revokes it. Within the revocation refresh delay (1 s here) careidd
rejects the login with 403 and a SASL EXTERNAL bind with invalidCredentials (49), which
the audit trail records against the card holder's uid. `openssl ocsp` against careidd's
responder then reports revoked, and the CRL from `careidctl pki crl` and from GET /pki/crl
lists the card.

The test SP exists only as metadata; nothing listens at its ACS URL.
"""

import base64
import json
import os
import re
import sys
import time
import urllib.parse
import uuid
import zlib

# Keep __pycache__ out of the source tree.
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import Careid, check, check_equal, check_in, free_port, kDemoUid, main, run

kSpEntityId = "https://sp.revocation.example/metadata"
kAcsUrl = f"http://127.0.0.1:{free_port()}/acs"
kPostBinding = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
kRefreshSeconds = 1
# The refresh delay plus time for the background reload and one request.
kRevocationDeadlineSeconds = kRefreshSeconds + 4
# Long enough for the audit trail's group commit (10 ms in the demo configuration).
kAuditSettleSeconds = 0.5


def write_sp_metadata(work_dir):
    path = os.path.join(work_dir, "revocation-sp.xml")
    with open(path, "w") as handle:
        handle.write(f"""<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="{kSpEntityId}">
  <md:SPSSODescriptor AuthnRequestsSigned="false" WantAssertionsSigned="true"
      protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:AssertionConsumerService index="0" isDefault="true" Binding="{kPostBinding}"
        Location="{kAcsUrl}"/>
  </md:SPSSODescriptor>
</md:EntityDescriptor>
""")
    return path


def redirect_query():
    """Return the query of an unsigned HTTP-Redirect AuthnRequest (SAML Bindings 3.4.4.1)."""
    instant = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    xml = (f'<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
           f'xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_{uuid.uuid4().hex}" '
           f'Version="2.0" IssueInstant="{instant}" AssertionConsumerServiceURL="{kAcsUrl}" '
           f'ProtocolBinding="{kPostBinding}"><saml:Issuer>{kSpEntityId}</saml:Issuer>'
           f'</samlp:AuthnRequest>')
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    deflated = compressor.compress(xml.encode()) + compressor.flush()
    return "SAMLRequest=" + urllib.parse.quote(base64.b64encode(deflated).decode(), safe="")


def card_login(careid, card=None):
    """GET /saml/sso with the demo card, or `card` (certificate, key), and a fresh
    AuthnRequest; return (status, body)."""
    cert, key = card[:2] if card else careid.card()[:2]
    command = ["curl", "-q", "-sS", "--noproxy", "*", "--max-time", "20", "--cert", cert,
               "--key", key, "--cacert", careid.server_ca, "-o", "-", "-w", "\n%{http_code}",
               f"{careid.https_url}/saml/sso?{redirect_query()}"]
    code, out, err = run(command)
    check_equal(code, 0, f"curl /saml/sso exit code (stderr: {err.strip()})")
    body, _, status = out.rpartition("\n")
    return int(status), body


def demo_serial(careid):
    cert, _, _ = careid.card()
    code, out, err = run(["openssl", "x509", "-in", cert, "-noout", "-serial"])
    check_equal(code, 0, f"openssl x509 -serial exit code (stderr: {err.strip()})")
    return out.strip().split("=", 1)[1].lower().lstrip("0")


def careidctl(careid, *args):
    code, out, err = run([careid.careidctl, *args, "--data", careid.data_dir])
    check_equal(code, 0, f"careidctl {' '.join(args)} exit code (stderr: {err.strip()})")
    return out


def ocsp_status(careid):
    cert, _, _ = careid.card()
    command = ["openssl", "ocsp", "-issuer", careid.card_ca, "-cert", cert,
               "-url", f"{careid.https_url}/pki/ocsp", "-CAfile", careid.card_ca,
               "-nonce", "-timeout", "20"]
    code, out, err = run(command)
    check_equal(code, 0, f"openssl ocsp exit code (output: {out.strip()} {err.strip()})")
    check_in("Response verify OK", out + err, "openssl ocsp signature check")
    return out


def external_bind(careid, ldaps_port):
    """Run `ldapwhoami -Y EXTERNAL` over LDAPS with the demo card; return (exit code, output)."""
    cert, key, _ = careid.card()
    # No LDAPNOINIT here: it would make libldap ignore the LDAPTLS_* variables too.
    env = dict(os.environ, LDAPCONF="/dev/null", LDAPRC="/dev/null", LDAPTLS_CACERT=careid.server_ca,
               LDAPTLS_REQCERT="demand", LDAPTLS_CERT=cert, LDAPTLS_KEY=key)
    code, out, err = run(["ldapwhoami", "-Y", "EXTERNAL", "-H", f"ldaps://127.0.0.1:{ldaps_port}"], env=env)
    return code, out + err


def check_ocsp_get(careid, work_dir):
    """GET /pki/ocsp/<base64 request> (RFC 6960 A.1) and check that the card is revoked."""
    cert, _, _ = careid.card()
    request = os.path.join(work_dir, "ocsp-request.der")
    response = os.path.join(work_dir, "ocsp-response.der")
    code, _, err = run(["openssl", "ocsp", "-issuer", careid.card_ca, "-cert", cert, "-no_nonce",
                        "-reqout", request])
    check_equal(code, 0, f"openssl ocsp -reqout exit code (stderr: {err.strip()})")
    with open(request, "rb") as handle:
        encoded = urllib.parse.quote(base64.b64encode(handle.read()).decode(), safe="")
    code, out, err = run(["curl", "-q", "-sS", "--noproxy", "*", "--max-time", "20", "--cacert",
                          careid.server_ca, "-o", response, "-w", "%{http_code} %{content_type}",
                          f"{careid.https_url}/pki/ocsp/{encoded}"])
    check_equal(code, 0, f"curl GET /pki/ocsp exit code (stderr: {err.strip()})")
    check_equal(out, "200 application/ocsp-response", "GET /pki/ocsp status and type")
    code, out, err = run(["openssl", "ocsp", "-respin", response, "-issuer", careid.card_ca, "-cert", cert,
                          "-CAfile", careid.card_ca])
    check_equal(code, 0, f"openssl ocsp -respin exit code (stderr: {err.strip()})")
    check_in(": revoked", out, "OCSP status over GET")


def last_external_bind(careid):
    """Return the last SASL EXTERNAL ldap.bind record of the audit trail."""
    time.sleep(kAuditSettleSeconds)
    found = None
    with open(os.path.join(careid.data_dir, "audit", "audit.log")) as handle:
        for line in handle:
            record = json.loads(line)
            if record["event"] == "ldap.bind" and record["details"].get("mechanism") == "EXTERNAL":
                found = record
    check(found is not None, "an ldap.bind record for SASL EXTERNAL in the audit trail")
    return found


def test_card_revocation(context):
    careid = Careid(context.args.build_dir, context.work_dir,
                    sp_metadata=[write_sp_metadata(context.work_dir)])
    context.cleanups.append(careid.stop)
    careid.setup()
    config = os.path.join(careid.data_dir, "careid.toml")
    ldaps_port = free_port()
    with open(config) as handle:
        text = handle.read()
    check_in("ldaps_port = 0\n", text, "the demo config's ldaps_port line")
    text = text.replace("ldaps_port = 0\n", f"ldaps_port = {ldaps_port}\n")
    text += f"\n[pki]\nrevocation_refresh_seconds = {kRefreshSeconds}\nocsp_cache_seconds = 0\n"
    with open(config, "w") as handle:
        handle.write(text)
    careid.start()
    careid.daemon.wait_for_lines([rf"ldaps listening on ldaps://127\.0\.0\.1:{ldaps_port}\b"], 10)

    cert, _, _ = careid.card()
    code, out, _ = run(["openssl", "x509", "-in", cert, "-noout", "-ext", "crlDistributionPoints,authorityInfoAccess"])
    check_in(f"{careid.https_url}/pki/crl", out, "the demo card's CRL distribution point")
    check_in(f"OCSP - URI:{careid.https_url}/pki/ocsp", out, "the demo card's OCSP URL")

    status, body = card_login(careid)
    check_equal(status, 200, f"login with the good card (body: {body[:300]!r})")
    check("SAMLResponse" in body or 'action="/saml/role"' in body, f"login page: {body[:300]!r}")
    check_in(": good", ocsp_status(careid), "OCSP status before revocation")
    code, output = external_bind(careid, ldaps_port)
    check_equal(code, 0, f"SASL EXTERNAL with the good card exit code (output: {output.strip()})")

    serial = demo_serial(careid)
    listed = careidctl(careid, "card", "status", "--uid", kDemoUid)
    check_in(f"{serial}  uid {kDemoUid}  good", listed, "card status before revocation")
    careidctl(careid, "card", "revoke", "--serial", serial, "--reason", "keyCompromise")

    deadline = time.monotonic() + kRevocationDeadlineSeconds
    while True:
        status, body = card_login(careid)
        if status == 403 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    check_equal(status, 403, f"login with the revoked card (body: {body[:300]!r})")
    check_in("has been revoked", body, "the 403 page")
    check_in("Registration Authority", body, "the 403 page's advice")
    code, output = external_bind(careid, ldaps_port)
    check_equal(code, 49, f"SASL EXTERNAL with the revoked card exit code (output: {output.strip()})")
    check_in("revoked", output, "the SASL EXTERNAL diagnostic message")
    record = last_external_bind(careid)
    check_equal(record["outcome"], "failure", "the revoked card's bind record outcome")
    check_equal(record["details"]["result_code"], 49, "the revoked card's bind record result code")
    check_equal(record["details"]["uid"], kDemoUid, "the revoked card's bind record uid")
    check_equal(record["details"]["card_serial"], serial, "the revoked card's bind record serial")
    check_in(f"uid={kDemoUid},", record["actor"], "the revoked card's bind record actor")

    answer = ocsp_status(careid)
    check_in(": revoked", answer, "OCSP status after revocation")
    check_in("Reason: keyCompromise", answer, "OCSP revocation reason")
    check_ocsp_get(careid, context.work_dir)

    careidctl(careid, "pki", "crl")
    crl_pem = os.path.join(careid.data_dir, "pki", "crl.pem")
    code, out, err = run(["openssl", "crl", "-in", crl_pem, "-text", "-noout", "-CAfile", careid.card_ca])
    check_equal(code, 0, f"openssl crl exit code (stderr: {err.strip()})")
    check_in("verify OK", out + err, "CRL signature check")
    check_in(serial.upper(), out.upper().replace(":", ""), "the revoked serial in crl.pem")
    check_in("Key Compromise", out, "the CRL entry's reason")

    served = os.path.join(context.work_dir, "served.crl")
    deadline = time.monotonic() + kRevocationDeadlineSeconds
    while True:
        code, out, err = run(["curl", "-q", "-sS", "--noproxy", "*", "--max-time", "20", "--cacert",
                              careid.server_ca, "-o", served, "-w", "%{http_code} %{content_type}",
                              f"{careid.https_url}/pki/crl"])
        check_equal(code, 0, f"curl /pki/crl exit code (stderr: {err.strip()})")
        check_equal(out, "200 application/pkix-crl", "GET /pki/crl status and type")
        code, text, _ = run(["openssl", "crl", "-inform", "DER", "-in", served, "-text", "-noout"])
        if serial.upper() in text.upper().replace(":", "") or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    check_in(serial.upper(), text.upper().replace(":", ""), "the revoked serial in the served CRL")


if __name__ == "__main__":
    main("card-revocation", [], standalone_cases=[test_card_revocation])
