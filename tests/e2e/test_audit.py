"""careid's audit trail seen from outside: the records that binds, a directory change, a
smartcard SAML login and an OpenID token leave, and `careidctl audit verify` and `export`.

curl plays the browser for the SAML login: it sends an HTTP-Redirect AuthnRequest from a
test SP (metadata only, nothing listens at its ACS URL) with the demo card and reads the
auto-submit form. The OpenID flow uses python3-requests with PKCE and a public client.
"""

import base64
import hashlib
import json
import os
import re
import subprocess
import sys
import time
import urllib.parse
import uuid
import zlib

# Keep __pycache__ out of the source tree.
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import requests

from harness import (check, check_equal, check_in, free_port, kAdminDn, kDemoUid, ldap_tool,
                     main, run)

kSpEntityId = "https://sp.audit.example/metadata"
kAcsUrl = f"http://127.0.0.1:{free_port()}/acs"
kClientId = "audit-rp"
kRedirectUri = f"http://127.0.0.1:{free_port()}/callback"
kVerifier = "audit-verifier-" + "v" * 50
kDemoDn = f"uid={kDemoUid},ou=People,o=nhs"
kPostBinding = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
kPersistent = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"
# Long enough for the group commit (10 ms in the demo configuration) to reach the file.
kSettleSeconds = 0.5


def prepare(context):
    """Write the test SP's metadata and an OpenID client before `demo setup` runs."""
    metadata = os.path.join(context.work_dir, "audit-sp.xml")
    with open(metadata, "w") as handle:
        handle.write(f"""<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="{kSpEntityId}">
  <md:SPSSODescriptor AuthnRequestsSigned="false" WantAssertionsSigned="true"
      protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:NameIDFormat>{kPersistent}</md:NameIDFormat>
    <md:AssertionConsumerService index="0" isDefault="true" Binding="{kPostBinding}"
        Location="{kAcsUrl}"/>
  </md:SPSSODescriptor>
</md:EntityDescriptor>
""")
    clients = os.path.join(context.work_dir, "careid", "oidc-clients")
    os.makedirs(clients)
    with open(os.path.join(clients, "audit.json"), "w") as handle:
        json.dump({"client_id": kClientId, "token_endpoint_auth_method": "none",
                   "redirect_uris": [kRedirectUri], "scopes": ["openid", "profile"]}, handle)
    return [metadata]


def config_path(context):
    return os.path.join(context.careid.data_dir, "careid.toml")


def audit_file(context):
    return os.path.join(context.careid.data_dir, "audit", "audit.log")


def careidctl_audit(context, *args):
    time.sleep(kSettleSeconds)
    return run([context.careid.careidctl, "audit", *args])


def exported(context, *filters):
    code, out, err = careidctl_audit(context, "export", "--config", config_path(context), *filters)
    check_equal(code, 0, f"careidctl audit export exit code (stderr: {err.strip()})")
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def find_record(records, what, **fields):
    for record in records:
        if all(record.get(name) == value for name, value in fields.items()):
            return record
    raise AssertionError(f"no {what} record with {fields} among {len(records)} records: "
                         f"{[(r['event'], r['actor'], r['outcome']) for r in records][-12:]}")


def redirect_query():
    """Return the query of an unsigned HTTP-Redirect AuthnRequest (SAML Bindings 3.4.4.1)."""
    instant = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    xml = (f'<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
           f'xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_{uuid.uuid4().hex}" '
           f'Version="2.0" IssueInstant="{instant}" AssertionConsumerServiceURL="{kAcsUrl}" '
           f'ProtocolBinding="{kPostBinding}"><saml:Issuer>{kSpEntityId}</saml:Issuer>'
           f'<samlp:NameIDPolicy Format="{kPersistent}" AllowCreate="true"/>'
           f'</samlp:AuthnRequest>')
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    deflated = compressor.compress(xml.encode()) + compressor.flush()
    return "SAMLRequest=" + urllib.parse.quote(base64.b64encode(deflated).decode(), safe="")


def card_curl(context, url, *options):
    """GET or POST `url` with the demo card; return (HTTP status, body)."""
    cert, key, _ = context.careid.card()
    jar = os.path.join(context.work_dir, "idp-cookies")
    command = ["curl", "-q", "-sS", "--noproxy", "*", "--max-time", "20", "--cert", cert,
               "--key", key, "--cacert", context.careid.server_ca, "-b", jar, "-c", jar,
               "-o", "-", "-w", "\n%{http_code}", *options, url]
    code, out, err = run(command)
    check_equal(code, 0, f"curl {url} exit code (stderr: {err.strip()})")
    body, _, status = out.rpartition("\n")
    return int(status), body


def test_ldap_binds_and_modify(context):
    code, output = ldap_tool(context.careid, "ldapsearch", ["-b", kDemoDn, "-s", "base", "uid"],
                             bind_admin=True)
    check_equal(code, 0, f"ldapsearch as admin exit code (output: {output.strip()})")
    code, output = ldap_tool(context.careid, "ldapsearch", ["-b", kDemoDn, "-s", "base", "uid"],
                             bind_admin=True, password="not-the-password")
    check_equal(code, 49, f"ldapsearch with a wrong password exit code (output: {output.strip()})")
    modify = f"dn: {kDemoDn}\nchangetype: modify\nreplace: mail\nmail: audited@nhs.example\n"
    code, output = ldap_tool(context.careid, "ldapmodify", [], input_text=modify, bind_admin=True)
    check_equal(code, 0, f"ldapmodify as admin exit code (output: {output.strip()})")

    records = exported(context, "--event", "ldap.*")
    find_record(records, "successful admin bind", event="ldap.bind", actor=kAdminDn,
                outcome="success")
    failed = find_record(records, "failed admin bind", event="ldap.bind", actor=kAdminDn,
                         outcome="failure")
    check_equal(failed["details"].get("result_code"), 49, "failed bind resultCode")
    change = find_record(records, "admin modify", event="ldap.modify", actor=kAdminDn,
                         subject=kDemoDn)
    check_equal(change["details"]["changes"], [{"attribute": "mail", "operation": "replace"}],
                "changed attribute names")
    check("audited@nhs.example" not in json.dumps(records), "an attribute value reached the trail")
    check(context.careid.admin_password not in json.dumps(records), "the admin password reached the trail")


def test_smartcard_saml_login(context):
    https = context.careid.https_url
    status, body = card_curl(context, f"{https}/saml/sso?{redirect_query()}")
    check_equal(status, 200, f"GET /saml/sso status (body: {body[:300]!r})")
    if 'action="/saml/role"' in body:
        token = re.search(r'name="csrf_token" value="([^"]+)"', body)
        role = re.search(r'name="role" value="([^"]+)"', body)
        check(token and role, f"role page without csrf_token or role: {body[:500]!r}")
        form = urllib.parse.urlencode({"csrf_token": token.group(1), "role": role.group(1)})
        status, body = card_curl(context, f"{https}/saml/role", "--data", form)
        check_equal(status, 200, f"POST /saml/role status (body: {body[:300]!r})")
    check_in("SAMLResponse", body, "the auto-submit form")

    records = exported(context, "--user", kDemoUid, "--event", "s*")
    find_record(records, "smartcard login", event="sso.login", actor=kDemoUid, outcome="success")
    assertion = find_record(records, "SAML assertion", event="saml.assertion", subject=kDemoUid)
    check_equal(assertion["details"]["sp"], kSpEntityId, "assertion SP")
    check(assertion["details"]["name_id"], "assertion NameID missing")
    check(assertion["details"]["attributes"], "released attributes missing")


def test_login_refused_without_card(context):
    command = ["curl", "-q", "-sS", "--noproxy", "*", "--max-time", "20", "--cacert",
               context.careid.server_ca, "-o", "/dev/null", "-w", "%{http_code}",
               f"{context.careid.https_url}/saml/sso?{redirect_query()}"]
    code, out, err = run(command)
    records = exported(context, "--event", "sso.login")
    refused = [r for r in records if r["outcome"] == "failure"]
    check(refused, f"no refused login recorded (curl exit {code}, status {out}, stderr {err.strip()})")
    check_equal(refused[-1]["details"]["reason"], "no_certificate", "refusal reason")


def test_oidc_token(context):
    https = context.careid.https_url
    challenge = base64.urlsafe_b64encode(hashlib.sha256(kVerifier.encode()).digest()).decode().rstrip("=")
    query = urllib.parse.urlencode({"response_type": "code", "client_id": kClientId,
                                    "redirect_uri": kRedirectUri, "scope": "openid profile",
                                    "state": "s1", "nonce": "n1", "code_challenge": challenge,
                                    "code_challenge_method": "S256"})
    cert, key, _ = context.careid.card()
    response = requests.get(f"{https}/oidc/authorize?{query}", cert=(cert, key),
                            verify=context.careid.server_ca, allow_redirects=False, timeout=10)
    # The demo person has two role profiles: choose the first on the role page.
    check_equal(response.status_code, 200, f"role page status (body: {response.text[:300]!r})")
    csrf_token = re.search(r'name="csrf_token" value="([^"]+)"', response.text).group(1)
    role = re.search(r'name="role" value="([^"]+)"', response.text).group(1)
    response = requests.post(f"{https}/oidc/role", data={"csrf_token": csrf_token, "role": role},
                             cert=(cert, key), verify=context.careid.server_ca,
                             allow_redirects=False, timeout=10)
    check_equal(response.status_code, 302, f"authorize status (body: {response.text[:300]!r})")
    location = urllib.parse.urlparse(response.headers["Location"])
    code = urllib.parse.parse_qs(location.query)["code"][0]
    token = requests.post(f"{https}/oidc/token", verify=context.careid.server_ca, timeout=10,
                          data={"grant_type": "authorization_code", "code": code,
                                "redirect_uri": kRedirectUri, "client_id": kClientId,
                                "code_verifier": kVerifier})
    check_equal(token.status_code, 200, f"token status (body: {token.text[:300]!r})")

    records = exported(context, "--event", "oidc.token", "--user", kDemoUid)
    record = find_record(records, "OpenID token", event="oidc.token", actor=kClientId)
    check_equal(record["details"]["scopes"], ["openid", "profile"], "token scopes")
    check(token.json()["access_token"] not in json.dumps(records), "a token reached the trail")


def test_verify_and_export_user(context):
    code, out, err = careidctl_audit(context, "verify", "--config", config_path(context))
    check_equal(code, 0, f"careidctl audit verify exit code (stdout: {out.strip()}, "
                         f"stderr: {err.strip()})")
    check_in("audit trail OK", out, "verify output")
    for line in open(audit_file(context)):
        check_equal(json.loads(line)["alg"], "hmac-sha256", "chain algorithm of the demo trail")

    # --file without --key: the trail cannot be checked, which is not the same as broken.
    code, out, err = careidctl_audit(context, "verify", "--file", audit_file(context))
    check_equal(code, 1, f"verify without the key exit code (stdout: {out.strip()})")
    check_in("--key", err, "verify without the key names the option")
    check("broken" not in err, f"verify without the key calls the trail broken: {err.strip()}")

    records = exported(context, "--user", kDemoUid)
    find_record(records, "login of the demo card", event="sso.login", actor=kDemoUid)
    since = exported(context, "--user", kDemoUid, "--since", "2200-01-01T00:00:00Z")
    check_equal(since, [], "records after 2200")


def test_edited_line_fails_verify(context):
    path = audit_file(context)
    with open(path) as handle:
        lines = handle.readlines()
    check(len(lines) >= 3, f"only {len(lines)} records in {path}")
    lines[2] = lines[2].replace('"outcome":"success"', '"outcome":"failure"', 1) \
        if '"outcome":"success"' in lines[2] else lines[2].replace('"outcome":"failure"', '"outcome":"success"', 1)
    with open(path, "w") as handle:
        handle.writelines(lines)

    code, out, err = careidctl_audit(context, "verify", "--config", config_path(context))
    check_equal(code, 1, f"verify exit code after an edit (stdout: {out.strip()})")
    check(re.search(r"audit\.log line 3: hash does not match the record's content", err),
          f"verify message names line 3: {err.strip()}")


if __name__ == "__main__":
    main("audit", [test_ldap_binds_and_modify, test_smartcard_saml_login,
                   test_login_refused_without_card, test_oidc_token,
                   test_verify_and_export_user, test_edited_line_fails_verify],
         prepare=prepare)
