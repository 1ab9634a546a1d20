"""SAML single sign-on from Debian's python3-onelogin-saml2 (python3-saml) to careidd.

A small web application on a loopback port uses OneLogin's `OneLogin_Saml2_Auth` as SP.
/login sends a signed AuthnRequest over HTTP-Redirect that requests the SmartcardPKI
context. /acs lets the library decrypt and validate the Response, and /whoami returns what
it read as JSON. /logout starts Single Logout, and /sls takes careidd's LogoutResponse or
LogoutRequest. OneLogin writes the SP metadata that `demo setup` registers.
`wantAssertionsEncrypted` puts an encryption key in it, so careidd encrypts the assertion.
"""

import http.cookies
import http.server
import json
import os
import secrets
import sys
import threading
import urllib.parse

# Keep __pycache__ out of the source tree.
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from onelogin.saml2.auth import OneLogin_Saml2_Auth  # noqa: E402
from onelogin.saml2.constants import OneLogin_Saml2_Constants as Constants  # noqa: E402
from onelogin.saml2.idp_metadata_parser import OneLogin_Saml2_IdPMetadataParser  # noqa: E402
from onelogin.saml2.settings import OneLogin_Saml2_Settings  # noqa: E402

from harness import check, check_equal, free_port, main  # noqa: E402
from saml_sp_support import (CardBrowser, check_encrypted_assertion,  # noqa: E402
                             check_nhs_attributes, check_signed_out, fetch_idp_metadata,
                             import_rbac_sample, kPersistent, kSmartcardPki, log_out_at_careid)
from test_saml_mellon import make_self_signed  # noqa: E402

kCookie = "onelogin_sp"


class OneLoginSp:
    """An HTTP server on 127.0.0.1 whose SAML endpoints call python3-saml.

    Sessions live in memory, keyed by the `onelogin_sp` cookie. The last error that the
    library reported is kept in `errors`, so that a case can show why a step failed.
    """

    def __init__(self, folder):
        self.folder = folder
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.key_path, self.cert_path = make_self_signed(folder, "sp", "/CN=python3-saml SP")
        self.metadata_path = os.path.join(folder, "onelogin-metadata.xml")
        self.idp_settings = None
        self.sessions = {}
        self.errors = []
        self.server = None

    def settings(self):
        with open(self.key_path) as handle:
            key = handle.read()
        with open(self.cert_path) as handle:
            cert = handle.read()
        settings = {
            "strict": True,
            "sp": {
                "entityId": f"{self.base_url}/metadata",
                "assertionConsumerService": {"url": f"{self.base_url}/acs",
                                             "binding": Constants.BINDING_HTTP_POST},
                "singleLogoutService": {"url": f"{self.base_url}/sls",
                                        "binding": Constants.BINDING_HTTP_REDIRECT},
                "NameIDFormat": kPersistent,
                "x509cert": cert,
                "privateKey": key,
            },
            "security": {
                "authnRequestsSigned": True,
                "logoutRequestSigned": True,
                "logoutResponseSigned": True,
                "wantAssertionsSigned": True,
                "wantAssertionsEncrypted": True,
                # python3-saml 1.12 signs with SHA-1 by default, which careid rejects.
                "signatureAlgorithm": Constants.RSA_SHA256,
                "digestAlgorithm": Constants.SHA256,
                "requestedAuthnContext": [kSmartcardPki],
                "requestedAuthnContextComparison": "exact",
                "failOnAuthnContextMismatch": True,
            },
        }
        if self.idp_settings:
            settings = OneLogin_Saml2_IdPMetadataParser.merge_settings(settings,
                                                                      self.idp_settings)
        return settings

    def write_metadata(self):
        sp_settings = OneLogin_Saml2_Settings(self.settings(), sp_validation_only=True)
        metadata = sp_settings.get_sp_metadata()
        errors = sp_settings.validate_metadata(metadata)
        check_equal(errors, [], "python3-saml's check of its own SP metadata")
        with open(self.metadata_path, "wb") as handle:
            handle.write(metadata if isinstance(metadata, bytes) else metadata.encode())
        return self.metadata_path

    def start(self, idp_metadata):
        self.idp_settings = OneLogin_Saml2_IdPMetadataParser.parse(idp_metadata)
        sp = self

        class Handler(SpRequestHandler):
            owner = sp

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None


class SpRequestHandler(http.server.BaseHTTPRequestHandler):
    """The SP's routes. `owner` is the OneLoginSp whose settings and sessions are used."""

    owner = None

    def log_message(self, format, *args):
        pass

    def do_GET(self):
        self._dispatch({})

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length).decode()
        self._dispatch(dict(urllib.parse.parse_qsl(body)))

    def _dispatch(self, post_data):
        url = urllib.parse.urlsplit(self.path)
        request = {"https": "off", "http_host": "127.0.0.1", "server_port": self.owner.port,
                   "script_name": url.path, "get_data": dict(urllib.parse.parse_qsl(url.query)),
                   "post_data": post_data}
        auth = OneLogin_Saml2_Auth(request, self.owner.settings())
        session = self._session()
        routes = {"/login": self._login, "/acs": self._acs, "/whoami": self._whoami,
                  "/logout": self._logout, "/sls": self._sls}
        route = routes.get(url.path)
        if route is None:
            self._reply(404, "text/plain", "not found")
        else:
            route(auth, session)

    def _session(self):
        cookies = http.cookies.SimpleCookie(self.headers.get("Cookie", ""))
        key = cookies[kCookie].value if kCookie in cookies else None
        if key not in self.owner.sessions:
            key = secrets.token_urlsafe(16)
            self.owner.sessions[key] = {}
        self.session_key = key
        return self.owner.sessions[key]

    def _login(self, auth, session):
        location = auth.login(return_to=f"{self.owner.base_url}/whoami")
        session["request_id"] = auth.get_last_request_id()
        self._redirect(location)

    def _acs(self, auth, session):
        auth.process_response(request_id=session.pop("request_id", None))
        if auth.get_errors():
            self.owner.errors.append(f"ACS: {auth.get_errors()} {auth.get_last_error_reason()}")
            self._reply(403, "text/plain", "login failed")
            return
        session.update({"attributes": auth.get_attributes(), "name_id": auth.get_nameid(),
                        "name_id_format": auth.get_nameid_format(),
                        "name_id_spnq": auth.get_nameid_spnq(),
                        "session_index": auth.get_session_index(),
                        "authn_contexts": auth.get_last_authn_contexts()})
        self._redirect(f"{self.owner.base_url}/whoami")

    def _whoami(self, auth, session):
        if "name_id" not in session:
            self._redirect(f"{self.owner.base_url}/login")
            return
        self._reply(200, "application/json", json.dumps(session))

    def _logout(self, auth, session):
        location = auth.logout(return_to=f"{self.owner.base_url}/whoami",
                               name_id=session.get("name_id"),
                               session_index=session.get("session_index"),
                               name_id_format=session.get("name_id_format"),
                               spnq=session.get("name_id_spnq"))
        session["logout_request_id"] = auth.get_last_request_id()
        self._redirect(location)

    def _sls(self, auth, session):
        """Check careidd's LogoutResponse, or respond to its LogoutRequest, and end the session."""
        location = auth.process_slo(request_id=session.pop("logout_request_id", None),
                                    delete_session_cb=session.clear)
        if auth.get_errors():
            self.owner.errors.append(f"SLS: {auth.get_errors()} {auth.get_last_error_reason()}")
            self._reply(400, "text/plain", "logout failed")
        elif location:
            self._redirect(location)
        else:
            self._reply(200, "text/plain", "signed out")

    def _redirect(self, location):
        self.send_response(302)
        self.send_header("Location", location)
        self._send_cookie()
        self.end_headers()

    def _reply(self, status, content_type, body):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self._send_cookie()
        self.end_headers()
        self.wfile.write(data)

    def _send_cookie(self):
        self.send_header("Set-Cookie", f"{kCookie}={self.session_key}; Path=/; HttpOnly")


def prepare(context):
    context.sp = OneLoginSp(context.subdir("onelogin"))
    return [context.sp.write_metadata()]


def started_sp(context):
    sp = context.sp
    if sp.server is None:
        import_rbac_sample(context)
        metadata = fetch_idp_metadata(context.careid, os.path.join(sp.folder, "idp.xml"))
        context.cleanups.append(sp.stop)
        sp.start(metadata)
    return sp


def sign_on(context, sp, browser):
    """Sign on from the SP's protected page; return the session that /whoami shows."""
    page = browser.visit(f"{sp.base_url}/whoami")
    check_equal(page.status_code, 200, f"SP page after sign-on (body: {page.text[:300]!r}, "
                                       f"SP errors: {sp.errors})")
    check_equal(page.url, f"{sp.base_url}/whoami", "page after sign-on")
    return page.json()


def test_sso_with_demo_card(context):
    sp = started_sp(context)
    browser = CardBrowser(context.careid)
    session = sign_on(context, sp, browser)

    requests_sent = browser.saml_messages("SAMLRequest")
    check_equal(len(requests_sent), 1, "AuthnRequests sent over HTTP-Redirect")
    check(browser.saml_messages("Signature"), "python3-saml did not sign the Redirect query")
    check_equal(browser.saml_messages("SigAlg"), [Constants.RSA_SHA256], "SigAlg")
    responses = browser.posted_responses()
    check_equal(len(responses), 1, "SAMLResponses posted to the SP")
    check_encrypted_assertion(responses[0])
    check_nhs_attributes(session["attributes"], "python3-saml's attributes")
    check_equal(session["name_id_format"], kPersistent, "NameID Format")
    check_equal(len(session["name_id"]), 43, f"persistent NameID {session['name_id']!r}")
    check_equal(session["authn_contexts"], [kSmartcardPki], "AuthnContextClassRef")
    check(browser.careid_session(), "careidd set no session cookie")


def test_single_logout_from_sp(context):
    """/logout at the SP sends a signed LogoutRequest; careidd ends its session and returns
    a signed LogoutResponse that python3-saml accepts."""
    sp = started_sp(context)
    browser = CardBrowser(context.careid)
    session = sign_on(context, sp, browser)
    role_page_in_login = browser.role_page_shown

    done = browser.visit(f"{sp.base_url}/logout")
    check_equal(done.status_code, 200, f"SP page after logout (SP errors: {sp.errors})")
    check_equal(done.text, "signed out", "SP page after logout")
    check_equal(len(browser.saml_messages("SAMLResponse")), 1, "LogoutResponses from careidd")
    check(browser.careid_session() is None, "careidd's session cookie survived Single Logout")
    check("name_id" not in sp.sessions.get(browser.session.cookies.get(kCookie), {}),
          "the SP session survived Single Logout")

    browser.role_page_shown = False
    again = sign_on(context, sp, browser)
    check_equal(again["name_id"], session["name_id"], "persistent NameID at the next login")
    check_equal(browser.role_page_shown, role_page_in_login,
                "careidd shows the role page again after Single Logout")


def test_idp_logout_reaches_sp(context):
    """careidd's /logout sends python3-saml a LogoutRequest, and the SP's signed
    LogoutResponse lets careidd finish without a partial logout."""
    sp = started_sp(context)
    browser = CardBrowser(context.careid)
    sign_on(context, sp, browser)

    log_out_at_careid(context.careid, browser)
    check_equal(len(browser.saml_messages("SAMLRequest")), 2,
                "the AuthnRequest and careidd's LogoutRequest")
    check_equal(sp.errors, [], "errors at the SP")
    check_signed_out(context.careid, browser, f"{sp.base_url}/whoami")


kCases = [
    test_sso_with_demo_card,
    test_single_logout_from_sp,
    test_idp_logout_reaches_sp,
]

if __name__ == "__main__":
    main("saml_onelogin", kCases, prepare=prepare)
