"""End-to-end test: a smartcard on a SoftHSM 2 token logs in to careidd's SAML IdP.

`careidctl card init-token` and `card issue` put the demo person's card on a SoftHSM token
in the data folder (tokens/). curl then runs a SAML SSO login with the card's key on the
token, through OpenSSL's pkcs11 engine (libengine-pkcs11-openssl), so the key is used
without ever leaving the token. pkcs11-tool (OpenSC) checks that the private key is
sensitive and never extractable, and the last cases unlock the token with the SO PIN and
renew the card.

The SP is only metadata: it sends unsigned AuthnRequests and names an ACS on a loopback port
where no server listens. curl plays the browser, and the test reads the SAMLResponse from
careidd's form instead of posting it.
PINs reach careidctl through 0600 files, pkcs11-tool through an environment variable and
curl through the engine section of an OpenSSL configuration file.
"""

import base64
import datetime
import json
import os
import re
import sys
import urllib.parse
import uuid
import zlib

# Keep __pycache__ out of the source tree.
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
from harness import check, check_equal, check_in, kDemoUid, run  # noqa: E402
from test_saml_mellon import FormParser, curl, kPersistent, kPostBinding  # noqa: E402

kModule = "/usr/lib/softhsm/libsofthsm2.so"
kEngine = "/usr/lib/x86_64-linux-gnu/engines-3/pkcs11.so"
kTokenLabel = "e2e-card"
kPin = "123456"
kSoPin = "87654321"
kNewPin = "246810"
kSpEntityId = "urn:careid:e2e:card-token-sp"
kSmartcardContext = "urn:oasis:names:tc:SAML:2.0:ac:classes:SmartcardPKI"


def sp_metadata(acs_url):
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="{kSpEntityId}">
  <md:SPSSODescriptor AuthnRequestsSigned="false" WantAssertionsSigned="true"
      protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:NameIDFormat>{kPersistent}</md:NameIDFormat>
    <md:AssertionConsumerService Binding="{kPostBinding}" Location="{acs_url}" index="0"/>
  </md:SPSSODescriptor>
</md:EntityDescriptor>
"""


def prepare(context):
    """Write the SP's metadata before `demo setup`, which loads it."""
    context.acs_url = f"http://127.0.0.1:{harness.free_port()}/acs"
    path = os.path.join(context.subdir("sp"), "metadata.xml")
    with open(path, "w") as handle:
        handle.write(sp_metadata(context.acs_url))
    return [path]


def secret_file(context, name, value):
    path = os.path.join(context.subdir("secrets"), name)
    with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as handle:
        handle.write(value + "\n")
    return path


def careidctl(context, *args):
    """Run `careidctl card ARGS --data DATA`; return (exit code, stdout + stderr)."""
    careid = context.careid
    code, out, err = run([careid.careidctl, "card", *args, "--data", careid.data_dir])
    return code, out + err


def token_environment(context):
    return dict(os.environ, SOFTHSM2_CONF=os.path.join(context.careid.data_dir, "tokens",
                                                       "softhsm2.conf"))


def issued_token(context):
    """Initialise the token and issue the demo person's card on it, once per script."""
    if getattr(context, "card_output", None) is None:
        code, out = careidctl(context, "init-token", "--label", kTokenLabel,
                              "--so-pin-file", secret_file(context, "so-pin", kSoPin),
                              "--pin-file", secret_file(context, "pin", kPin))
        check_equal(code, 0, f"careidctl card init-token exit code (output: {out})")
        code, out = careidctl(context, "issue", "--uid", kDemoUid, "--token-label", kTokenLabel,
                              "--pin-file", secret_file(context, "pin", kPin))
        check_equal(code, 0, f"careidctl card issue exit code (output: {out})")
        context.card_output = out
        context.pin = kPin
    return context.card_output


def list_objects(context, pin):
    env = dict(token_environment(context), CAREID_E2E_PIN=pin)
    return run(["pkcs11-tool", "--module", kModule, "--token-label", kTokenLabel, "--login",
                "--pin", "env:CAREID_E2E_PIN", "--list-objects"], env=env)


def engine_config(context, pin):
    """Write an OpenSSL configuration that loads the pkcs11 engine with `pin`; return its path."""
    text = f"""openssl_conf = openssl_init
[openssl_init]
engines = engine_section
[engine_section]
pkcs11 = pkcs11_section
[pkcs11_section]
engine_id = pkcs11
dynamic_path = {kEngine}
MODULE_PATH = {kModule}
PIN = {pin}
init = 0
"""
    return secret_file(context, f"openssl-{pin}.cnf", text)


def authn_request_url(context):
    """Return careidd's SSO URL with an unsigned AuthnRequest (SAML bindings 3.4.4.1)."""
    sso_url = f"{context.careid.https_url}/saml/sso"
    instant = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    request = (f'<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
               f'xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_{uuid.uuid4().hex}" '
               f'Version="2.0" IssueInstant="{instant}" Destination="{sso_url}" '
               f'AssertionConsumerServiceURL="{context.acs_url}" ProtocolBinding="{kPostBinding}">'
               f'<saml:Issuer>{kSpEntityId}</saml:Issuer>'
               f'<samlp:NameIDPolicy Format="{kPersistent}" AllowCreate="true"/>'
               f'</samlp:AuthnRequest>')
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    raw = deflate.compress(request.encode()) + deflate.flush()
    query = urllib.parse.urlencode({"SAMLRequest": base64.b64encode(raw).decode()})
    return f"{sso_url}?{query}"


def token_curl(context, url, pin, *options):
    """curl `url` with the card on the token as TLS client certificate and key."""
    uri = f"pkcs11:token={kTokenLabel};object={kDemoUid}"
    env = dict(token_environment(context), OPENSSL_CONF=engine_config(context, pin))
    return curl_with_env(context, env, url, "--engine", "pkcs11", "--cert-type", "ENG",
                         "--cert", f"{uri};type=cert", "--key-type", "ENG",
                         "--key", f"{uri};type=private", "--cacert", context.careid.server_ca,
                         *options)


def curl_with_env(context, env, url, *options):
    """Run test_saml_mellon's curl() with `env` as its environment (it inherits ours)."""
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        return curl(context, url, *options)
    finally:
        os.environ.clear()
        os.environ.update(saved)


def saml_response(context, pin):
    """Log in with the token; return the decoded SAMLResponse careidd posts to the SP."""
    jar = os.path.join(context.subdir("cookies"), f"jar-{pin}")
    response = token_curl(context, authn_request_url(context), pin, "-b", jar, "-c", jar)
    check_equal(response.status, 200, f"GET /saml/sso with the token status "
                                      f"(body: {response.body[:300]!r})")
    form = FormParser()
    form.feed(response.body)
    if form.action == "/saml/role":
        body = urllib.parse.urlencode({"csrf_token": form.fields["csrf_token"],
                                       "role": form.fields["role"]})
        response = token_curl(context, f"{context.careid.https_url}/saml/role", pin,
                              "-b", jar, "-c", jar, "--data", body)
        check_equal(response.status, 200, f"POST /saml/role status (body: {response.body[:300]!r})")
        form = FormParser()
        form.feed(response.body)
    check_equal(form.action, context.acs_url, "form action after the login")
    check_in("SAMLResponse", form.fields, "form fields")
    return base64.b64decode(form.fields["SAMLResponse"]).decode()


def test_issue_writes_card_to_token(context):
    out = issued_token(context)
    check_in(f"pkcs11:token={kTokenLabel};object={kDemoUid}", out, "card issue output")
    code, listing, err = list_objects(context, kPin)
    check_equal(code, 0, f"pkcs11-tool --list-objects exit code (stderr: {err})")
    private_keys = re.findall(r"Private Key Object;.*?\n(?:  .*\n)*", listing)
    check_equal(len(private_keys), 1, f"private keys on the token:\n{listing}")
    check_in(f"label:      {kDemoUid}", private_keys[0], "private key label")
    check_in("Access:     sensitive, always sensitive, never extractable, local", private_keys[0],
             "private key access flags")
    check_in("Certificate Object; type = X.509 cert", listing, "certificate on the token")
    check_in(f"CN={kDemoUid}", listing, "certificate subject")


def check_card_login(xml):
    check(re.search(r"<(\w+:)?Assertion[\s>]", xml), f"SAMLResponse has no Assertion:\n{xml}")
    check_in(kSmartcardContext, xml, "AuthnContextClassRef of a card login")
    check(re.search(rf'Name="uid"[^>]*>\s*<(\w+:)?AttributeValue[^>]*>{kDemoUid}<', xml),
          f"uid {kDemoUid} not asserted:\n{xml}")


def test_sso_login_with_token(context):
    issued_token(context)
    check_card_login(saml_response(context, kPin))


def test_unlock_sets_new_pin(context):
    issued_token(context)
    # SoftHSM 2 counts no failed logins, so its PIN never locks, but it rejects wrong PINs.
    for _ in range(3):
        code, out = careidctl(context, "show", "--token-label", kTokenLabel,
                              "--pin-file", secret_file(context, "wrong-pin", "000000"))
        check_equal(code, 1, f"card show with a wrong PIN exit code (output: {out})")
        check_in("CKR_PIN_INCORRECT", out, "card show with a wrong PIN")

    code, out = careidctl(context, "unlock", "--token-label", kTokenLabel,
                          "--so-pin-file", secret_file(context, "so-pin", kSoPin),
                          "--new-pin-file", secret_file(context, "new-pin", kNewPin))
    check_equal(code, 0, f"careidctl card unlock exit code (output: {out})")
    context.pin = kNewPin
    check_unlock_recorded(context)

    code, out = careidctl(context, "show", "--token-label", kTokenLabel,
                          "--pin-file", secret_file(context, "pin", kPin))
    check_equal(code, 1, f"card show with the old PIN exit code (output: {out})")
    code, out = careidctl(context, "show", "--token-label", kTokenLabel,
                          "--pin-file", secret_file(context, "new-pin", kNewPin))
    check_equal(code, 0, f"card show with the new PIN exit code (output: {out})")
    check_in("private key", out, "card show with the new PIN")
    check_card_login(saml_response(context, kNewPin))


def check_unlock_recorded(context):
    config = os.path.join(context.careid.data_dir, "careid.toml")
    code, out, err = run([context.careid.careidctl, "audit", "export", "--config", config, "--event", "card.unlock"])
    check_equal(code, 0, f"audit export exit code (stderr: {err})")
    records = [json.loads(line) for line in out.splitlines() if line.strip()]
    check_equal(len(records), 1, f"card.unlock records: {records}")
    check_equal(records[0]["subject"], kDemoUid, "card.unlock subject")
    check_equal(records[0]["outcome"], "success", "card.unlock outcome")
    check_equal(records[0]["details"].get("token_label"), kTokenLabel, "card.unlock token label")


def test_renew_revokes_previous_card(context):
    issued_token(context)
    code, out = careidctl(context, "show", "--token-label", kTokenLabel)
    previous = re.search(r"serial ([0-9a-f]+)  ecdsa-p256", out)
    check(previous, f"no certificate serial in card show output:\n{out}")

    code, out = careidctl(context, "renew", "--uid", kDemoUid, "--token-label", kTokenLabel,
                          "--pin-file", secret_file(context, "renew-pin", context.pin))
    check_equal(code, 0, f"careidctl card renew exit code (output: {out})")
    check_in(f"revoked previous certificate {previous.group(1)} (superseded)", out, "renew output")
    code, out = careidctl(context, "show", "--token-label", kTokenLabel)
    check(previous.group(1) not in out, f"previous certificate still on the token:\n{out}")


kCases = [
    test_issue_writes_card_to_token,
    test_sso_login_with_token,
    test_unlock_sets_new_pin,
    test_renew_revokes_previous_card,
]

if __name__ == "__main__":
    harness.main("card_token", kCases, prepare=prepare)
