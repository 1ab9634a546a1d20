"""careid's OpenID Connect provider driven by Debian's python3-authlib as the relying party.

The browser is python3-requests carrying the demo card as its TLS client certificate: it
follows the authorization URL that authlib builds and stops at careid's redirect, whose
Location goes back to authlib. The redirect URIs point at a loopback port where nothing
listens, because the script reads the code from the Location header.
"""

import hashlib
import http.server
import json
import os
import re
import threading
import time
import urllib.parse

import requests
from authlib.integrations.base_client import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from authlib.jose import JsonWebKey, jwt
from authlib.oauth2.rfc7523 import PrivateKeyJWT

from harness import check, check_equal, check_in, free_port, kDemoUid, main

kPublicClient = "rp-public"
kConfidentialClient = "rp-confidential"
kOfflineClient = "rp-offline"
kMobileClient = "rp-mobile"
kServiceClient = "rp-service"
kSignerClient = "rp-signer"
kLogoutClient = "rp-logout"
kSignerKey = JsonWebKey.generate_key("EC", "P-256", is_private=True)
kSecret = "confidential-secret-for-the-e2e-test-0123456789"
kRedirectUri = f"http://127.0.0.1:{free_port()}/callback"
kVerifier = "e2e-verifier-" + "v" * 50
kSignedOutUri = f"http://127.0.0.1:{free_port()}/signed-out"
kBackchannelPort = free_port()
kBackchannelEvent = "http://schemas.openid.net/event/backchannel-logout"


def prepare(context):
    """Register two clients in the data folder before `demo setup` writes the rest of it."""
    clients = os.path.join(context.work_dir, "careid", "oidc-clients")
    os.makedirs(clients)
    with open(os.path.join(clients, "public.json"), "w") as handle:
        json.dump({"client_id": kPublicClient, "token_endpoint_auth_method": "none",
                   "redirect_uris": [kRedirectUri], "scopes": ["openid", "profile"]}, handle)
    with open(os.path.join(clients, "confidential.toml"), "w") as handle:
        handle.write(f'client_id = "{kConfidentialClient}"\n'
                     f'client_secret_sha256 = "{hashlib.sha256(kSecret.encode()).hexdigest()}"\n'
                     f'redirect_uris = ["{kRedirectUri}"]\n'
                     'scopes = ["openid", "profile", "nationalrbacaccess"]\n')
    secret_hash = hashlib.sha256(kSecret.encode()).hexdigest()
    registrations = {
        "offline.json": {"client_id": kOfflineClient, "client_secret_sha256": secret_hash,
                         "redirect_uris": [kRedirectUri],
                         "scopes": ["openid", "profile", "offline_access"],
                         "grant_types": ["authorization_code", "refresh_token"]},
        "mobile.json": {"client_id": kMobileClient, "token_endpoint_auth_method": "none",
                        "redirect_uris": [kRedirectUri], "scopes": ["openid", "profile"],
                        "grant_types": ["authorization_code", "refresh_token"],
                        "refresh_tokens": "always"},
        "service.json": {"client_id": kServiceClient, "client_secret_sha256": secret_hash,
                         "grant_types": ["client_credentials"],
                         "scopes": ["audit.read", "audit.write"]},
        "logout.json": {"client_id": kLogoutClient, "client_secret_sha256": secret_hash,
                        "redirect_uris": [kRedirectUri], "scopes": ["openid", "offline_access"],
                        "grant_types": ["authorization_code", "refresh_token"],
                        "refresh_tokens": "always",
                        "post_logout_redirect_uris": [kSignedOutUri],
                        "backchannel_logout_uri":
                            f"http://127.0.0.1:{kBackchannelPort}/backchannel",
                        "backchannel_logout_session_required": True},
        "signer.json": {"client_id": kSignerClient,
                        "token_endpoint_auth_method": "private_key_jwt",
                        "jwks": {"keys": [dict(kSignerKey.as_dict(is_private=False),
                                               kid="signer-1")]},
                        "grant_types": ["client_credentials"], "scopes": ["audit.read"]},
    }
    for name, registration in registrations.items():
        with open(os.path.join(clients, name), "w") as handle:
            json.dump(registration, handle)
    return None


def discovery(context):
    response = requests.get(context.careid.https_url + "/.well-known/openid-configuration",
                            verify=context.careid.server_ca, timeout=10)
    check_equal(response.status_code, 200, "discovery status")
    return response.json()


def public_session(context, document):
    return OAuth2Session(kPublicClient, redirect_uri=kRedirectUri, scope="openid profile",
                         code_challenge_method="S256", token_endpoint_auth_method="none")


def authorize(context, url):
    """Request `url` with the demo card and return careid's response without following it.
    The demo person has two role profiles, so the role page comes first. The first role is
    chosen, and the response to the role form is returned.

    verify and cert go on each request, here and below, because requests lets
    REQUESTS_CA_BUNDLE from the environment override a Session's verify.
    """
    certificate, key, _ = context.careid.card()
    response = requests.get(url, cert=(certificate, key), verify=context.careid.server_ca,
                            allow_redirects=False, timeout=10)
    return choose_role(context, response)


def role_form(response):
    """Return the CSRF token and the role profile IDs of careid's role page, or None."""
    if response.status_code != 200 or 'action="/oidc/role"' not in response.text:
        return None
    token = re.search(r'name="csrf_token" value="([^"]+)"', response.text)
    roles = re.findall(r'name="role" value="([^"]+)"', response.text)
    check(token and roles, f"role page without its form fields: {response.text[:500]}")
    return token.group(1), roles


def post_role(context, csrf_token, role, session=None):
    certificate, key, _ = context.careid.card()
    sender = session if session is not None else requests
    return sender.post(context.careid.https_url + "/oidc/role",
                       data={"csrf_token": csrf_token, "role": role}, cert=(certificate, key),
                       verify=context.careid.server_ca, allow_redirects=False, timeout=10)


def choose_role(context, response, session=None):
    """Submit the first role when `response` is the role page. Otherwise return it unchanged."""
    form = role_form(response)
    if form is None:
        return response
    csrf_token, roles = form
    return post_role(context, csrf_token, roles[0], session)


def code_from(response):
    check_equal(response.status_code, 302, "authorization status")
    query = urllib.parse.parse_qs(urllib.parse.urlparse(response.headers["Location"]).query)
    return query


def start_public_flow(context, document, nonce="n-0S6"):
    session = public_session(context, document)
    url, state = session.create_authorization_url(document["authorization_endpoint"],
                                                  code_verifier=kVerifier, nonce=nonce)
    response = authorize(context, url)
    return session, state, response


def decode_id_token(context, document, id_token, client_id, nonce):
    jwks = requests.get(document["jwks_uri"], verify=context.careid.server_ca, timeout=10).json()
    claims = jwt.decode(id_token, JsonWebKey.import_key_set(jwks), claims_options={
        "iss": {"essential": True, "value": document["issuer"]},
        "aud": {"essential": True, "value": client_id},
        "nonce": {"essential": True, "value": nonce},
        "sub": {"essential": True},
    })
    claims.validate()
    return claims


def test_discovery_and_jwks(context):
    document = discovery(context)
    check_equal(document["issuer"], context.careid.https_url, "issuer")
    check_equal(document["code_challenge_methods_supported"], ["S256"], "PKCE methods")
    check_in("ES256", document["id_token_signing_alg_values_supported"], "signing algorithms")
    jwks = requests.get(document["jwks_uri"], verify=context.careid.server_ca, timeout=10)
    check_equal(jwks.status_code, 200, "JWKS status")
    keys = jwks.json()["keys"]
    check_equal(len(keys), 1, "JWKS key count")
    check_equal(keys[0]["kty"], "EC", "JWK kty")
    check("d" not in keys[0], "the JWKS must not publish the private key")


def test_code_flow_with_pkce(context):
    document = discovery(context)
    session, state, response = start_public_flow(context, document)
    query = code_from(response)
    check_equal(query.get("state"), [state], "echoed state")
    check_equal(query.get("iss"), [document["issuer"]], "iss response parameter")

    token = session.fetch_token(document["token_endpoint"],
                                authorization_response=response.headers["Location"],
                                code_verifier=kVerifier, verify=context.careid.server_ca)
    check_equal(token["token_type"], "Bearer", "token_type")
    claims = decode_id_token(context, document, token["id_token"], kPublicClient, "n-0S6")
    check_equal(claims["acr"], "AAL3", "acr")
    check_equal(claims["amr"], ["sc"], "amr")
    check(claims["sub"] != kDemoUid, "sub must be pairwise, not the uid")

    userinfo = session.get(document["userinfo_endpoint"], verify=context.careid.server_ca,
                           timeout=10)
    check_equal(userinfo.status_code, 200, "userinfo status")
    info = userinfo.json()
    check_equal(info["sub"], claims["sub"], "userinfo sub")
    check_equal(info["uid"], kDemoUid, "userinfo uid")
    check(info.get("name"), f"userinfo name missing: {info}")
    check("nhsid_nrbac_roles" not in info, "roles need the nationalrbacaccess scope")


def test_confidential_client_roles_and_introspection(context):
    document = discovery(context)
    session = OAuth2Session(kConfidentialClient, kSecret, redirect_uri=kRedirectUri,
                            scope="openid profile nationalrbacaccess",
                            token_endpoint_auth_method="client_secret_basic")
    url, _ = session.create_authorization_url(document["authorization_endpoint"], nonce="n-2")
    response = authorize(context, url)
    code_from(response)
    token = session.fetch_token(document["token_endpoint"],
                                authorization_response=response.headers["Location"],
                                verify=context.careid.server_ca)
    decode_id_token(context, document, token["id_token"], kConfidentialClient, "n-2")

    info = session.get(document["userinfo_endpoint"], verify=context.careid.server_ca,
                       timeout=10).json()
    roles = info.get("nhsid_nrbac_roles")
    check(isinstance(roles, list) and roles, f"nhsid_nrbac_roles missing: {info}")
    for role in roles:
        for name in ("person_roleid", "org_code", "role_name", "role_code"):
            check(role.get(name), f"role member {name} missing: {role}")
        # The demo directory has no RBAC catalogue, so these lists may be empty.
        for name in ("activities", "activity_codes", "workgroups"):
            check(isinstance(role.get(name), list), f"role member {name} is not a list: {role}")
        check_equal(len(role["activities"]), len(role["activity_codes"]),
                    "one activity name per activity code")

    introspection = requests.post(document["introspection_endpoint"],
                                  data={"token": token["access_token"]},
                                  auth=(kConfidentialClient, kSecret),
                                  verify=context.careid.server_ca, timeout=10)
    check_equal(introspection.status_code, 200, "introspection status")
    check_equal(introspection.json().get("active"), True, "introspection active")
    inactive = requests.post(document["introspection_endpoint"], data={"token": "x.y.z"},
                             auth=(kConfidentialClient, kSecret),
                             verify=context.careid.server_ca, timeout=10)
    check_equal(inactive.json(), {"active": False}, "introspection of garbage")


def test_role_page_choice(context):
    """The demo person has two role profiles: the role page, the second role chosen, that
    role in the ID token, userinfo and the session, and a spent or forged form token."""
    document = discovery(context)
    session = OAuth2Session(kConfidentialClient, kSecret, redirect_uri=kRedirectUri,
                            scope="openid profile nationalrbacaccess",
                            token_endpoint_auth_method="client_secret_basic")
    url, state = session.create_authorization_url(document["authorization_endpoint"],
                                                  nonce="n-role")
    browser_session = browser(context)
    page = browser_session.get(url, verify=context.careid.server_ca, allow_redirects=False,
                               timeout=10)
    check_equal(page.status_code, 200, "role page status")
    check_in("text/html", page.headers.get("Content-Type", ""), "role page type")
    check_in("form-action 'self'", page.headers.get("Content-Security-Policy", ""),
             "role page Content-Security-Policy")
    check(not browser_session.cookies.get("__Host-careid_session"),
          "no session before the role is chosen")
    csrf_token, roles = role_form(page)
    check_equal(len(roles), 2, "role profiles on the page")

    chosen = post_role(context, csrf_token, roles[1], browser_session)
    query = code_from(chosen)
    check_equal(query.get("state"), [state], "echoed state")
    check_equal(query.get("iss"), [document["issuer"]], "iss response parameter")
    check(browser_session.cookies.get("__Host-careid_session"), "the role form set the session")
    token = session.fetch_token(document["token_endpoint"],
                                authorization_response=chosen.headers["Location"],
                                verify=context.careid.server_ca)
    claims = decode_id_token(context, document, token["id_token"], kConfidentialClient, "n-role")
    check_equal(claims.get("selected_roleid"), roles[1], "ID token selected_roleid")
    info = session.get(document["userinfo_endpoint"], verify=context.careid.server_ca,
                       timeout=10).json()
    check_equal(info.get("selected_roleid"), roles[1], "userinfo selected_roleid")

    spent = post_role(context, csrf_token, roles[1])
    check_equal(spent.status_code, 403, "a spent role form token")
    forged = post_role(context, "A" * 43, roles[0])
    check_equal(forged.status_code, 403, "a forged role form token")

    # The session has a role now, so the next login skips the page and keeps that role.
    url, _ = session.create_authorization_url(document["authorization_endpoint"], nonce="n-r2")
    again = browser_session.get(url, verify=context.careid.server_ca, allow_redirects=False,
                                timeout=10)
    code_from(again)
    token = session.fetch_token(document["token_endpoint"],
                                authorization_response=again.headers["Location"],
                                verify=context.careid.server_ca)
    claims = decode_id_token(context, document, token["id_token"], kConfidentialClient, "n-r2")
    check_equal(claims.get("selected_roleid"), roles[1], "selected_roleid of the reused session")


def test_bad_redirect_uri_is_not_followed(context):
    document = discovery(context)
    session = OAuth2Session(kPublicClient, redirect_uri="http://127.0.0.1:1/elsewhere",
                            scope="openid", code_challenge_method="S256")
    url, _ = session.create_authorization_url(document["authorization_endpoint"],
                                              code_verifier=kVerifier)
    response = authorize(context, url)
    check_equal(response.status_code, 400, "status for an unregistered redirect_uri")
    check("Location" not in response.headers, "an unregistered redirect_uri must not be used")


def test_missing_card_is_access_denied(context):
    document = discovery(context)
    session = public_session(context, document)
    url, _ = session.create_authorization_url(document["authorization_endpoint"],
                                              code_verifier=kVerifier)
    response = requests.get(url, verify=context.careid.server_ca, allow_redirects=False,
                            timeout=10)
    check_equal(code_from(response).get("error"), ["access_denied"], "error without a card")


def test_reused_code_is_rejected(context):
    document = discovery(context)
    _, _, response = start_public_flow(context, document)
    code = code_from(response)["code"][0]
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": kRedirectUri,
            "client_id": kPublicClient, "code_verifier": kVerifier}
    first = requests.post(document["token_endpoint"], data=form,
                          verify=context.careid.server_ca, timeout=10)
    check_equal(first.status_code, 200, "first redemption")
    second = requests.post(document["token_endpoint"], data=form,
                           verify=context.careid.server_ca, timeout=10)
    check_equal(second.status_code, 400, "second redemption status")
    check_equal(second.json()["error"], "invalid_grant", "second redemption error")


def test_wrong_verifier_is_rejected(context):
    document = discovery(context)
    _, _, response = start_public_flow(context, document)
    code = code_from(response)["code"][0]
    reply = requests.post(document["token_endpoint"], data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": kRedirectUri,
        "client_id": kPublicClient, "code_verifier": "w" * 60},
        verify=context.careid.server_ca, timeout=10)
    check_equal(reply.status_code, 400, "wrong verifier status")
    check_equal(reply.json()["error"], "invalid_grant", "wrong verifier error")


def offline_session(context, document):
    """Run the code flow for the confidential client with offline_access and return the
    session, which stores the tokens."""
    session = OAuth2Session(kOfflineClient, kSecret, redirect_uri=kRedirectUri,
                            scope="openid profile offline_access",
                            token_endpoint_auth_method="client_secret_basic")
    url, _ = session.create_authorization_url(document["authorization_endpoint"], nonce="n-3")
    response = authorize(context, url)
    session.fetch_token(document["token_endpoint"],
                        authorization_response=response.headers["Location"],
                        verify=context.careid.server_ca)
    check(session.token.get("refresh_token"), "a refresh token for offline_access")
    return session


def introspect(context, document, token, client_id=kOfflineClient):
    reply = requests.post(document["introspection_endpoint"], data={"token": token},
                          auth=(client_id, kSecret), verify=context.careid.server_ca, timeout=10)
    check_equal(reply.status_code, 200, "introspection status")
    return reply.json().get("active")


def refresh_by_hand(context, document, refresh_token):
    return requests.post(document["token_endpoint"],
                         data={"grant_type": "refresh_token", "refresh_token": refresh_token},
                         auth=(kOfflineClient, kSecret), verify=context.careid.server_ca,
                         timeout=10)


def test_refresh_rotates_and_detects_reuse(context):
    document = discovery(context)
    check_in("refresh_token", document["grant_types_supported"], "refresh grant published")
    session = offline_session(context, document)
    first = dict(session.token)

    refreshed = session.refresh_token(document["token_endpoint"], verify=context.careid.server_ca)
    check(refreshed["refresh_token"] != first["refresh_token"], "the refresh token must rotate")
    check("nonce" not in jwt.decode(refreshed["id_token"], JsonWebKey.import_key_set(
        requests.get(document["jwks_uri"], verify=context.careid.server_ca, timeout=10).json())),
          "a refreshed ID token carries no nonce")
    userinfo = session.get(document["userinfo_endpoint"], verify=context.careid.server_ca,
                           timeout=10)
    check_equal(userinfo.status_code, 200, "userinfo with the refreshed access token")
    check_equal(userinfo.json().get("uid"), kDemoUid, "userinfo uid after refresh")

    reused = refresh_by_hand(context, document, first["refresh_token"])
    check_equal(reused.status_code, 400, "status for a reused refresh token")
    check_equal(reused.json()["error"], "invalid_grant", "error for a reused refresh token")
    latest = refresh_by_hand(context, document, refreshed["refresh_token"])
    check_equal(latest.json().get("error"), "invalid_grant",
                "reuse revokes the newest refresh token too")
    check_equal(introspect(context, document, refreshed["access_token"]), False,
                "reuse revokes the family's access tokens")


def test_public_client_refresh_rotates(context):
    document = discovery(context)
    session = OAuth2Session(kMobileClient, redirect_uri=kRedirectUri, scope="openid",
                            code_challenge_method="S256", token_endpoint_auth_method="none")
    url, _ = session.create_authorization_url(document["authorization_endpoint"],
                                              code_verifier=kVerifier, nonce="n-4")
    response = authorize(context, url)
    token = session.fetch_token(document["token_endpoint"],
                                authorization_response=response.headers["Location"],
                                code_verifier=kVerifier, verify=context.careid.server_ca)
    first_refresh = token["refresh_token"]
    refreshed = session.refresh_token(document["token_endpoint"], verify=context.careid.server_ca)
    check(refreshed["refresh_token"] != first_refresh, "a public client's refresh token rotates")
    reused = requests.post(document["token_endpoint"], data={
        "grant_type": "refresh_token", "refresh_token": first_refresh,
        "client_id": kMobileClient}, verify=context.careid.server_ca, timeout=10)
    check_equal(reused.json().get("error"), "invalid_grant", "public client reuse rejected")


def test_revocation(context):
    document = discovery(context)
    check_equal(document.get("revocation_endpoint"), context.careid.https_url + "/oidc/revoke",
                "revocation_endpoint in discovery")
    session = offline_session(context, document)
    access_token = session.token["access_token"]
    refresh_token = session.token["refresh_token"]
    check_equal(introspect(context, document, access_token), True, "active before revocation")

    revoked = session.revoke_token(document["revocation_endpoint"], access_token,
                                   token_type_hint="access_token",
                                   verify=context.careid.server_ca)
    check_equal(revoked.status_code, 200, "access token revocation status")
    check_equal(introspect(context, document, access_token), False, "revoked access token")
    userinfo = requests.get(document["userinfo_endpoint"],
                            headers={"Authorization": "Bearer " + access_token},
                            verify=context.careid.server_ca, timeout=10)
    check_equal(userinfo.status_code, 401, "userinfo with a revoked access token")

    revoked = session.revoke_token(document["revocation_endpoint"], refresh_token,
                                   token_type_hint="refresh_token",
                                   verify=context.careid.server_ca)
    check_equal(revoked.status_code, 200, "refresh token revocation status")
    check_equal(refresh_by_hand(context, document, refresh_token).json().get("error"),
                "invalid_grant", "refresh with a revoked refresh token")

    unknown = session.revoke_token(document["revocation_endpoint"], "not-a-token",
                                   verify=context.careid.server_ca)
    check_equal(unknown.status_code, 200, "revocation of an unknown token")
    anonymous = requests.post(document["revocation_endpoint"], data={"token": "x"},
                              verify=context.careid.server_ca, timeout=10)
    check_equal(anonymous.status_code, 401, "revocation without client authentication")


def test_reused_code_revokes_tokens(context):
    document = discovery(context)
    session = OAuth2Session(kOfflineClient, kSecret, redirect_uri=kRedirectUri,
                            scope="openid offline_access")
    url, _ = session.create_authorization_url(document["authorization_endpoint"], nonce="n-5")
    code = code_from(authorize(context, url))["code"][0]
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": kRedirectUri}
    first = requests.post(document["token_endpoint"], data=form, auth=(kOfflineClient, kSecret),
                          verify=context.careid.server_ca, timeout=10)
    check_equal(first.status_code, 200, "first redemption")
    tokens = first.json()
    second = requests.post(document["token_endpoint"], data=form, auth=(kOfflineClient, kSecret),
                           verify=context.careid.server_ca, timeout=10)
    check_equal(second.json().get("error"), "invalid_grant", "second redemption error")
    check_equal(introspect(context, document, tokens["access_token"]), False,
                "a reused code revokes its access token")
    check_equal(refresh_by_hand(context, document, tokens["refresh_token"]).json().get("error"),
                "invalid_grant", "a reused code revokes its refresh token")


def test_client_credentials(context):
    document = discovery(context)
    check_in("client_credentials", document["grant_types_supported"], "grant published")
    session = OAuth2Session(kServiceClient, kSecret, scope="audit.read",
                            token_endpoint_auth_method="client_secret_basic")
    token = session.fetch_token(document["token_endpoint"], grant_type="client_credentials",
                                verify=context.careid.server_ca)
    check_equal(token.get("scope"), "audit.read", "client credentials scope")
    check("id_token" not in token, "no ID token without a user")
    check("refresh_token" not in token, "no refresh token for client credentials")
    check_equal(introspect(context, document, token["access_token"], kServiceClient), True,
                "service token active")

    wider = requests.post(document["token_endpoint"],
                          data={"grant_type": "client_credentials", "scope": "openid"},
                          auth=(kServiceClient, kSecret), verify=context.careid.server_ca,
                          timeout=10)
    check_equal(wider.json().get("error"), "invalid_scope", "openid for a service client")
    other = requests.post(document["token_endpoint"], data={"grant_type": "client_credentials"},
                          auth=(kConfidentialClient, kSecret), verify=context.careid.server_ca,
                          timeout=10)
    check_equal(other.json().get("error"), "unauthorized_client",
                "client_credentials for a client not registered for it")


def signer_session(document, key=kSignerKey):
    session = OAuth2Session(kSignerClient, key.as_pem(is_private=True).decode(),
                            scope="audit.read", token_endpoint_auth_method="private_key_jwt")
    session.register_client_auth_method(PrivateKeyJWT(document["token_endpoint"], alg="ES256",
                                                      headers={"kid": "signer-1"}))
    return session


def test_private_key_jwt(context):
    document = discovery(context)
    check_in("private_key_jwt", document["token_endpoint_auth_methods_supported"],
             "private_key_jwt published")
    token = signer_session(document).fetch_token(document["token_endpoint"],
                                                 grant_type="client_credentials",
                                                 verify=context.careid.server_ca)
    check_equal(token.get("scope"), "audit.read", "scope for the private_key_jwt client")

    # A second assertion has a new jti and works; replaying one does not.
    captured = {}

    class Capturing(PrivateKeyJWT):
        def sign(self, auth, token_endpoint):
            captured["assertion"] = super().sign(auth, token_endpoint)
            return captured["assertion"]

    session = OAuth2Session(kSignerClient, kSignerKey.as_pem(is_private=True).decode(),
                            scope="audit.read", token_endpoint_auth_method="private_key_jwt")
    session.register_client_auth_method(Capturing(document["token_endpoint"], alg="ES256"))
    session.fetch_token(document["token_endpoint"], grant_type="client_credentials",
                        verify=context.careid.server_ca)
    replay = requests.post(document["token_endpoint"], data={
        "grant_type": "client_credentials",
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        "client_assertion": captured["assertion"]}, verify=context.careid.server_ca, timeout=10)
    check_equal(replay.status_code, 401, "replayed client assertion status")
    check_equal(replay.json().get("error"), "invalid_client", "replayed client assertion error")

    stranger = JsonWebKey.generate_key("EC", "P-256", is_private=True)
    try:
        signer_session(document, stranger).fetch_token(document["token_endpoint"],
                                                       grant_type="client_credentials",
                                                       verify=context.careid.server_ca)
        check(False, "an assertion signed with an unregistered key must be rejected")
    except OAuthError as error:
        check_in("invalid_client", str(error), "error for an unregistered key")


def test_expired_code_is_rejected(context):
    """Restarts careidd with a one-second code lifetime; keep this case last."""
    careid = context.careid
    careid.stop()
    with open(os.path.join(careid.data_dir, "careid.toml"), "a") as handle:
        handle.write("\n[oidc]\ncode_lifetime_seconds = 1\n")
    careid.start()

    document = discovery(context)
    _, _, response = start_public_flow(context, document)
    code = code_from(response)["code"][0]
    time.sleep(2.2)
    reply = requests.post(document["token_endpoint"], data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": kRedirectUri,
        "client_id": kPublicClient, "code_verifier": kVerifier},
        verify=context.careid.server_ca, timeout=10)
    check_equal(reply.status_code, 400, "expired code status")
    check_equal(reply.json()["error"], "invalid_grant", "expired code error")


class BackchannelReceiver:
    """A loopback HTTP server standing in for the RP's backchannel_logout_uri. It keeps the
    logout_token of each POST and returns 200, as Back-Channel Logout 1.0 2.8 requires."""

    def __init__(self, port):
        self.tokens = []
        self.condition = threading.Condition()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", "0"))
                form = urllib.parse.parse_qs(self.rfile.read(length).decode())
                with receiver.condition:
                    receiver.tokens.append((self.headers.get("Content-Type"),
                                            form.get("logout_token", [""])[0]))
                    receiver.condition.notify_all()
                self.send_response(200)
                self.send_header("Cache-Control", "no-store")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def wait_for(self, count, timeout=20):
        with self.condition:
            self.condition.wait_for(lambda: len(self.tokens) >= count, timeout)
            return list(self.tokens)

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def browser(context):
    """A requests.Session that keeps careid's session cookie and presents the demo card."""
    certificate, key, _ = context.careid.card()
    session = requests.Session()
    session.cert = (certificate, key)
    return session


def logout_client_login(context, document, browser_session):
    """Run the code flow for the logout client in `browser_session` and return its tokens."""
    client = OAuth2Session(kLogoutClient, kSecret, redirect_uri=kRedirectUri,
                           scope="openid offline_access",
                           token_endpoint_auth_method="client_secret_basic")
    url, _ = client.create_authorization_url(document["authorization_endpoint"], nonce="n-bcl")
    response = browser_session.get(url, verify=context.careid.server_ca, allow_redirects=False,
                                   timeout=10)
    response = choose_role(context, response, browser_session)
    check_equal(response.status_code, 302, "authorization status")
    return client.fetch_token(document["token_endpoint"],
                              authorization_response=response.headers["Location"],
                              verify=context.careid.server_ca)


def test_end_session_with_backchannel_logout(context):
    document = discovery(context)
    check_equal(document.get("end_session_endpoint"), context.careid.https_url + "/oidc/logout",
                "end_session_endpoint")
    check_equal(document.get("backchannel_logout_supported"), True, "back-channel published")
    check_equal(document.get("backchannel_logout_session_supported"), True, "sid published")
    jwks = JsonWebKey.import_key_set(
        requests.get(document["jwks_uri"], verify=context.careid.server_ca, timeout=10).json())

    receiver = BackchannelReceiver(kBackchannelPort)
    try:
        session = browser(context)
        tokens = logout_client_login(context, document, session)
        id_claims = decode_id_token(context, document, tokens["id_token"], kLogoutClient, "n-bcl")
        check(id_claims.get("sid"), "the ID token carries sid")
        check(session.cookies.get("__Host-careid_session"), "the login set the session cookie")

        reply = session.get(document["end_session_endpoint"], params={
            "id_token_hint": tokens["id_token"], "post_logout_redirect_uri": kSignedOutUri,
            "state": "st-42"}, verify=context.careid.server_ca, allow_redirects=False, timeout=10)
        check_equal(reply.status_code, 302, "end_session status")
        check_equal(reply.headers["Location"], kSignedOutUri + "?state=st-42",
                    "redirect to the registered URI with state")
        check_in("Max-Age=0", reply.headers.get("Set-Cookie", ""), "the session cookie is cleared")

        received = receiver.wait_for(1)
        check_equal(len(received), 1, "logout tokens received")
        content_type, logout_token = received[0]
        check_equal(content_type, "application/x-www-form-urlencoded", "back-channel body type")
        claims = jwt.decode(logout_token, jwks, claims_options={
            "iss": {"essential": True, "value": document["issuer"]},
            "aud": {"essential": True, "value": kLogoutClient}})
        claims.validate()
        check_equal(claims.header.get("typ"), "logout+jwt", "logout token typ")
        check_equal(claims.get("sid"), id_claims["sid"], "logout token sid")
        check_equal(claims.get("sub"), id_claims["sub"], "logout token sub")
        check_in(kBackchannelEvent, claims.get("events", {}), "logout event")
        check("nonce" not in claims, "a logout token carries no nonce")

        refreshed = requests.post(document["token_endpoint"], data={
            "grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
            auth=(kLogoutClient, kSecret), verify=context.careid.server_ca, timeout=10)
        check_equal(refreshed.status_code, 400, "refresh after logout")
        check_equal(refreshed.json().get("error"), "invalid_grant", "refresh error after logout")
    finally:
        receiver.close()


def test_end_session_rejects_unregistered_uri(context):
    document = discovery(context)
    session = browser(context)
    tokens = logout_client_login(context, document, session)
    for uri in (kSignedOutUri + "/", kRedirectUri, "https://evil.example/signed-out"):
        reply = session.get(document["end_session_endpoint"], params={
            "id_token_hint": tokens["id_token"], "post_logout_redirect_uri": uri},
            verify=context.careid.server_ca, allow_redirects=False, timeout=10)
        check_equal(reply.status_code, 400, f"end_session status for {uri}")
        check("Location" not in reply.headers, "a rejected logout redirects nowhere")

    # Without a redirect URI the browser gets the signed-out page, by POST this time.
    reply = session.post(document["end_session_endpoint"], data={"client_id": kLogoutClient},
                         verify=context.careid.server_ca, allow_redirects=False, timeout=10)
    check_equal(reply.status_code, 200, "signed-out page status")
    check_in("text/html", reply.headers.get("Content-Type", ""), "signed-out page type")
    check_in("You are signed out", reply.text, "signed-out text")
    check_in('<a href="/">Continue</a>', reply.text, "continue link")


if __name__ == "__main__":
    main("oidc_authlib", [
        test_discovery_and_jwks,
        test_code_flow_with_pkce,
        test_confidential_client_roles_and_introspection,
        test_role_page_choice,
        test_bad_redirect_uri_is_not_followed,
        test_missing_card_is_access_denied,
        test_reused_code_is_rejected,
        test_wrong_verifier_is_rejected,
        test_refresh_rotates_and_detects_reuse,
        test_public_client_refresh_rotates,
        test_revocation,
        test_reused_code_revokes_tokens,
        test_client_credentials,
        test_private_key_jwt,
        test_expired_code_is_rejected,
        test_end_session_with_backchannel_logout,
        test_end_session_rejects_unregistered_uri,
    ], prepare=prepare)
