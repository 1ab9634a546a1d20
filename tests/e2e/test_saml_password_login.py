"""The password + TOTP login (AAL2) from a browser without a smartcard, with pysaml2 as SP.

`careidctl user totp-enrol` and `user password-login --allow` prepare the demo person,
ldappasswd sets the password, and `[login] password_fallback = true` turns the login on.
python3-requests plays a browser with no client certificate: careidd shows the login page,
takes uid, password and a TOTP code computed here from the otpauth:// URI (RFC 6238), and
pysaml2 validates the Response, whose AuthnContextClassRef is PasswordProtectedTransport. A
request for SmartcardPKI (exact) gets NoAuthnContext, and a code used once is rejected.
"""

import base64
import hashlib
import hmac
import os
import struct
import sys
import time
import urllib.parse

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import requests  # noqa: E402
from saml2 import BINDING_HTTP_REDIRECT  # noqa: E402
from saml2.saml import AuthnContextClassRef  # noqa: E402
from saml2.samlp import RequestedAuthnContext  # noqa: E402
from saml2.xmldsig import SIG_RSA_SHA256  # noqa: E402

import test_saml_pysaml2 as sp  # noqa: E402
from harness import check, check_equal, check_in, kDemoUid, ldap_tool, main, run  # noqa: E402
from saml_forms import parse_form  # noqa: E402

kPassword = "Fallback-Pass-2026"
kPasswordClass = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"
kSmartcardClass = "urn:oasis:names:tc:SAML:2.0:ac:classes:SmartcardPKI"
kState = {}


def totp(secret_base32, at=None):
    """RFC 6238 TOTP: HMAC-SHA1, 30 s steps, 6 digits."""
    padded = secret_base32 + "=" * (-len(secret_base32) % 8)
    key = base64.b32decode(padded)
    step = int((time.time() if at is None else at) // 30)
    digest = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1000000:06d}"


def careidctl(context, *args):
    config = os.path.join(context.careid.data_dir, "careid.toml")
    code, out, err = run([context.careid.careidctl, *args, "--config", config])
    check_equal(code, 0, f"careidctl {args[0]} {args[1]} exit code (stderr: {err.strip()})")
    return out


def configure(context):
    """Enrol the demo person and turn the login on, before careidd starts."""
    uri = careidctl(context, "user", "totp-enrol", "--uid", kDemoUid).strip()
    check(uri.startswith("otpauth://totp/careid:" + kDemoUid + "?"), f"enrol output {uri!r}")
    query = urllib.parse.parse_qs(urllib.parse.urlparse(uri).query)
    kState["secret"] = query["secret"][0]
    careidctl(context, "user", "password-login", "--uid", kDemoUid, "--allow")
    with open(os.path.join(context.careid.data_dir, "careid.toml"), "a") as handle:
        handle.write("\n[login]\npassword_fallback = true\n")


def set_password(context):
    if kState.get("password_set"):
        return
    code, output = ldap_tool(context.careid, "ldappasswd",
                             ["-s", kPassword, f"uid={kDemoUid},ou=People,o=nhs"], bind_admin=True)
    check_equal(code, 0, f"ldappasswd exit code ({output.strip()})")
    kState["password_set"] = True


def browser_without_card(context):
    session = requests.Session()
    session.verify = context.careid.server_ca
    return session


def start_login(context, requested_context=None):
    """Return (pysaml2 client, request id, careidd's reply to the Redirect AuthnRequest)."""
    saml_client = sp.client(context)
    options = {}
    if requested_context is not None:
        options["requested_authn_context"] = requested_context
    request_id, info = saml_client.prepare_for_authenticate(
        entityid=sp.idp_entity_id(context), relay_state="pw-relay",
        binding=BINDING_HTTP_REDIRECT, sign=True, sigalg=SIG_RSA_SHA256, **options)
    location = dict(info["headers"])["Location"]
    session = browser_without_card(context)
    reply = session.get(location, verify=session.verify, timeout=20)
    return saml_client, request_id, session, reply


def submit_login(context, session, reply, code):
    check_equal(reply.status_code, 200, f"login page status (body: {reply.text[:300]!r})")
    form = parse_form(reply.text)
    check_equal(form.action, "/saml/login", "login form action")
    check_in("csrf_token", form.fields, "login form fields")
    return session.post(f"{context.careid.https_url}/saml/login",
                        data={"csrf_token": form.fields["csrf_token"], "uid": kDemoUid,
                              "password": kPassword, "code": code},
                        verify=session.verify, timeout=30)


def fresh_code():
    """A code of a step that no earlier case used, waiting for the next step if needed."""
    code = totp(kState["secret"])
    while code in kState.setdefault("used", set()):
        time.sleep(2)
        code = totp(kState["secret"])
    kState["used"].add(code)
    return code


def test_password_login_asserts_aal2(context):
    set_password(context)
    saml_client, request_id, session, reply = start_login(context)
    check_in("Content-Security-Policy", reply.headers, "login page headers")
    check_in("form-action 'self'", reply.headers["Content-Security-Policy"], "login page CSP")
    result = submit_login(context, session, reply, fresh_code())
    form = sp.saml_form(context, session, result)
    response = sp.check_login(saml_client, form, request_id, "pw-relay")
    statement = response.assertion.authn_statement[0]
    check_equal(statement.authn_context.authn_context_class_ref.text, kPasswordClass,
                "AuthnContextClassRef")
    check_equal(response.ava.get("authenticationAssuranceLevel"), ["AAL2"], "AAL attribute")


def test_replayed_code_rejected(context):
    set_password(context)
    code = fresh_code()
    _, _, session, reply = start_login(context)
    first = submit_login(context, session, reply, code)
    sp.saml_form(context, session, first)

    _, _, session, reply = start_login(context)
    again = submit_login(context, session, reply, code)
    check_equal(again.status_code, 200, "replayed code status")
    check_equal(parse_form(again.text).action, "/saml/login", "replayed code gets the login page")
    check_in("already used", again.text, "replayed code message")


def test_wrong_password_rejected(context):
    set_password(context)
    _, _, session, reply = start_login(context)
    form = parse_form(reply.text)
    result = session.post(f"{context.careid.https_url}/saml/login",
                          data={"csrf_token": form.fields["csrf_token"], "uid": kDemoUid,
                                "password": "wrong", "code": totp(kState["secret"])},
                          verify=session.verify, timeout=30)
    check_equal(parse_form(result.text).action, "/saml/login", "wrong password gets the login page")


def test_login_form_needs_post_and_token(context):
    session = browser_without_card(context)
    get = session.get(f"{context.careid.https_url}/saml/login", verify=session.verify, timeout=10)
    check_equal(get.status_code, 405, "GET /saml/login status")
    forged = session.post(f"{context.careid.https_url}/saml/login",
                          data={"csrf_token": "forged", "uid": kDemoUid, "password": kPassword,
                                "code": "000000"},
                          verify=session.verify, timeout=10)
    check_equal(forged.status_code, 403, "POST /saml/login with a forged token status")


def test_smartcard_request_rejected(context):
    set_password(context)
    requested = RequestedAuthnContext(
        authn_context_class_ref=[AuthnContextClassRef(kSmartcardClass)], comparison="exact")
    _, _, _, reply = start_login(context, requested)
    check_equal(reply.status_code, 200, "refused request status")
    form = parse_form(reply.text)
    check_equal(form.action, sp.kAcsUrl, "error Response goes to the SP")
    xml = base64.b64decode(form.fields["SAMLResponse"]).decode()
    check_in("NoAuthnContext", xml, "SAML status of the refused request")


kCases = [
    test_password_login_asserts_aal2,
    test_replayed_code_rejected,
    test_wrong_password_rejected,
    test_login_form_needs_post_and_token,
    test_smartcard_request_rejected,
]

if __name__ == "__main__":
    main("saml_password_login", kCases, prepare=sp.prepare, configure=configure)
