"""The password + TOTP login (AAL2) of OpenID Connect logins, with python3-authlib as the RP.

The demo person is enrolled as in test_saml_password_login.py, and `[login]` turns the
login on and lists one client as card-only. python3-requests plays a browser without a
client certificate: careidd's /oidc/authorize shows the login page, the browser posts uid,
password and a TOTP code to /oidc/login, chooses a role, and authlib redeems the code. The
ID token and userinfo carry acr AAL2, amr pwd, otp and mfa, and assurance level "2". A
request with acr_values=AAL3 and the card-only client get access_denied (login_required
with prompt=none), also for a browser that has a password session, and a card login
still asserts AAL3.
"""

import hashlib
import json
import os
import sys
import urllib.parse

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import requests  # noqa: E402
from authlib.integrations.requests_client import OAuth2Session  # noqa: E402

import test_oidc_authlib as rp  # noqa: E402
import test_saml_password_login as pw  # noqa: E402
from harness import check, check_equal, check_in, kDemoUid, main  # noqa: E402
from saml_forms import parse_form  # noqa: E402

kClient = "rp-password"
kCardOnlyClient = "rp-card-only"
kSecret = "password-login-secret-for-the-e2e-test-0123456789"
kVerifier = "e2e-password-verifier-" + "v" * 40
kPasswordAmr = ["pwd", "otp", "mfa"]
kState = {}


def prepare(context):
    """Register a confidential client and a card-only one before `demo setup` runs."""
    clients = os.path.join(context.work_dir, "careid", "oidc-clients")
    os.makedirs(clients)
    for client_id in (kClient, kCardOnlyClient):
        with open(os.path.join(clients, client_id + ".json"), "w") as handle:
            json.dump({"client_id": client_id,
                       "client_secret_sha256": hashlib.sha256(kSecret.encode()).hexdigest(),
                       "redirect_uris": [rp.kRedirectUri],
                       "scopes": ["openid", "profile", "nationalrbacaccess"]}, handle)
    return None


def configure(context):
    """Enrol the demo person, turn the login on and make kCardOnlyClient card-only."""
    pw.configure(context)
    # pw.configure ends the file with the [login] table, so this key belongs to it.
    with open(os.path.join(context.careid.data_dir, "careid.toml"), "a") as handle:
        handle.write(f'card_only_service_providers = ["{kCardOnlyClient}"]\n')


def client(client_id=kClient):
    return OAuth2Session(client_id, kSecret, redirect_uri=rp.kRedirectUri,
                         scope="openid profile", code_challenge_method="S256",
                         token_endpoint_auth_method="client_secret_basic")


def authorization_url(context, session, **parameters):
    document = rp.discovery(context)
    url, state = session.create_authorization_url(document["authorization_endpoint"],
                                                  code_verifier=kVerifier, nonce="n-pw",
                                                  **parameters)
    return document, url, state


def browser_without_card():
    """A requests.Session that keeps careid's session cookie and has no client certificate."""
    return requests.Session()


def get(context, browser, url):
    return browser.get(url, verify=context.careid.server_ca, allow_redirects=False, timeout=20)


def error_of(response):
    """Return (error, error_description) of careid's error redirect to the client."""
    check_equal(response.status_code, 302, f"error redirect status (body: {response.text[:300]!r})")
    query = urllib.parse.parse_qs(urllib.parse.urlparse(response.headers["Location"]).query)
    return query.get("error", [""])[0], query.get("error_description", [""])[0]


def sign_in(context, browser, login_page):
    """Submit the login page with the demo person's password and a fresh code, then choose
    the first role when the role page follows. Returns careid's last response."""
    check_equal(login_page.status_code, 200, f"login page status (body: {login_page.text[:300]!r})")
    check_in("form-action 'self'", login_page.headers.get("Content-Security-Policy", ""),
             "login page CSP")
    form = parse_form(login_page.text)
    check_equal(form.action, "/oidc/login", "login form action")
    response = browser.post(context.careid.https_url + "/oidc/login",
                            data={"csrf_token": form.fields["csrf_token"], "uid": kDemoUid,
                                  "password": pw.kPassword, "code": pw.fresh_code()},
                            verify=context.careid.server_ca, allow_redirects=False, timeout=30)
    role_page = rp.role_form(response)
    if role_page is None:
        return response
    csrf_token, roles = role_page
    return browser.post(context.careid.https_url + "/oidc/role",
                        data={"csrf_token": csrf_token, "role": roles[0]},
                        verify=context.careid.server_ca, allow_redirects=False, timeout=20)


def tokens_and_userinfo(context, session, document, response):
    token = session.fetch_token(document["token_endpoint"],
                                authorization_response=response.headers["Location"],
                                code_verifier=kVerifier, verify=context.careid.server_ca)
    claims = rp.decode_id_token(context, document, token["id_token"], kClient, "n-pw")
    userinfo = session.get(document["userinfo_endpoint"], verify=context.careid.server_ca,
                           timeout=10)
    check_equal(userinfo.status_code, 200, "userinfo status")
    return claims, userinfo.json()


def check_assurance(claims, acr, amr, level, where):
    check_equal(claims.get("acr"), acr, f"{where} acr")
    check_equal(claims.get("amr"), amr, f"{where} amr")
    check_equal(claims.get("authentication_assurance_level"), level,
                f"{where} authentication_assurance_level")


def test_discovery_lists_aal2(context):
    document = rp.discovery(context)
    check_equal(document["acr_values_supported"], ["AAL3", "AAL2"], "acr_values_supported")
    check_in("authentication_assurance_level", document["claims_supported"], "claims_supported")


def test_password_login_gets_aal2_tokens(context):
    pw.set_password(context)
    session = client()
    document, url, state = authorization_url(context, session)
    browser = browser_without_card()
    response = sign_in(context, browser, get(context, browser, url))
    query = rp.code_from(response)
    check_equal(query.get("state"), [state], "echoed state")
    check_in("code", query, "authorization response")

    claims, info = tokens_and_userinfo(context, session, document, response)
    check_assurance(claims, "AAL2", kPasswordAmr, "2", "ID token")
    check_assurance(info, "AAL2", kPasswordAmr, "2", "userinfo")
    check_equal(info.get("uid"), kDemoUid, "userinfo uid")
    check(claims.get("selected_roleid"), f"ID token without selected_roleid: {dict(claims)}")
    kState["browser"] = browser

    # The browser's password session gives the next login its code without a new page.
    session = client()
    document, url, _ = authorization_url(context, session, prompt="none")
    again = get(context, browser, url)
    check_in("code", rp.code_from(again), "authorization response from the password session")
    claims, _ = tokens_and_userinfo(context, session, document, again)
    check_assurance(claims, "AAL2", kPasswordAmr, "2", "ID token from the password session")


def test_aal3_request_rejected_without_card(context):
    session = client()
    _, url, _ = authorization_url(context, session, acr_values="AAL3")
    error, description = error_of(get(context, browser_without_card(), url))
    check_equal(error, "access_denied", "error for acr_values=AAL3 without a card")
    check_in("smartcard", description, "error_description")

    _, url, _ = authorization_url(context, session, acr_values="AAL3", prompt="none")
    error, _ = error_of(get(context, browser_without_card(), url))
    check_equal(error, "login_required", "error for acr_values=AAL3 with prompt=none")

    # A browser with a password session is rejected as well, never downgraded.
    browser = kState.get("browser")
    check(browser is not None, "the password login case must run first")
    _, url, _ = authorization_url(context, session, acr_values="AAL3")
    error, _ = error_of(get(context, browser, url))
    check_equal(error, "access_denied", "error for acr_values=AAL3 with a password session")


def test_card_only_client_rejected_without_card(context):
    session = client(kCardOnlyClient)
    _, url, _ = authorization_url(context, session)
    error, description = error_of(get(context, browser_without_card(), url))
    check_equal(error, "access_denied", "error for the card-only client")
    check_in("smartcard", description, "error_description")


def test_card_login_still_aal3(context):
    session = client()
    document, url, _ = authorization_url(context, session, acr_values="AAL3")
    response = rp.authorize(context, url)
    claims, info = tokens_and_userinfo(context, session, document, response)
    check_assurance(claims, "AAL3", ["sc"], "3", "card ID token")
    check_assurance(info, "AAL3", ["sc"], "3", "card userinfo")


def test_login_form_needs_token(context):
    browser = browser_without_card()
    forged = browser.post(context.careid.https_url + "/oidc/login",
                          data={"csrf_token": "forged", "uid": kDemoUid,
                                "password": pw.kPassword, "code": "000000"},
                          verify=context.careid.server_ca, allow_redirects=False, timeout=10)
    check_equal(forged.status_code, 403, "POST /oidc/login with a forged token status")
    check_equal(get(context, browser, context.careid.https_url + "/oidc/login").status_code, 405,
                "GET /oidc/login status")


kCases = [
    test_discovery_lists_aal2,
    test_password_login_gets_aal2_tokens,
    test_aal3_request_rejected_without_card,
    test_card_only_client_rejected_without_card,
    test_card_login_still_aal3,
    test_login_form_needs_token,
]

if __name__ == "__main__":
    main("oidc_password_login", kCases, prepare=prepare, configure=configure)
