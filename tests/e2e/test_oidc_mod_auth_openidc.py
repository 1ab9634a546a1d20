"""OpenID Connect login from Apache 2.4 with mod_auth_openidc (a real relying party) to careidd.

python3-requests plays the browser and carries the demo card as its TLS client certificate.
It requests Apache's protected page, and mod_auth_openidc redirects it to careidd's
authorization endpoint with PKCE S256. careidd redirects back with a code. The module reads
careidd's discovery document over HTTPS, trusting careid's CA, redeems the code as a
confidential client (client_secret_basic) and fetches userinfo. A shell CGI prints the
claims that reach Apache (OIDC_CLAIM_* and OIDC_userinfo_json). A logout through the
module's redirect URI revokes the access token at careidd, ends the Apache session and
goes through careidd's end_session_endpoint. A logout at careidd ends the Apache session
through Back-Channel Logout to the module's `?logout=backchannel` URI.
"""

import hashlib
import json
import os
import re
import shutil
import sys
import time
import urllib.parse

# Keep __pycache__ out of the source tree.
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
from harness import check, check_equal, check_in, kDemoUid  # noqa: E402
from test_saml_mellon import MellonSp, kApacheModules, kHttpTimeoutSeconds  # noqa: E402

import requests  # noqa: E402

kClientId = "apache-openidc"
kClientSecret = "apache-openidc-secret-for-the-e2e-test-0123456789"
kScope = "openid profile nationalrbacaccess"
kRoleCodePattern = re.compile(r"^S\d+:G\d+:R\d+$")

kCgiScript = """#!/bin/sh
printf 'Content-Type: text/plain\\r\\n\\r\\n'
printf 'REMOTE_USER=%s\\n' "$REMOTE_USER"
env | grep -e '^OIDC_CLAIM_' -e '^OIDC_userinfo_json=' | sort
"""


class OpenidcRp(MellonSp):
    """An Apache 2.4 server with mod_auth_openidc protecting /protected/ on a loopback port.

    Start-up, stop and file permissions come from MellonSp, but the configuration and the
    CGI differ. Everything lives in `directory`. The RP uses plain HTTP on 127.0.0.1, which
    careid accepts in a redirect URI.
    """

    def __init__(self, directory, work_dir, careid, port):
        self.directory = directory
        self.work_dir = work_dir
        self.careid = careid
        self.port = port
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.protected_url = f"{self.base_url}/protected/whoami"
        self.redirect_uri = f"{self.base_url}/protected/redirect_uri"
        self.error_log = os.path.join(directory, "error.log")
        self.process = None
        os.makedirs(os.path.join(directory, "run"), exist_ok=True)
        os.makedirs(os.path.join(directory, "cgi-bin"), exist_ok=True)

    def _write_cgi(self):
        path = os.path.join(self.directory, "cgi-bin", "whoami")
        with open(path, "w") as handle:
            handle.write(kCgiScript)
        os.chmod(path, 0o755)

    def _write_config(self):
        d = self.directory
        user = "User www-data\nGroup www-data\n" if os.geteuid() == 0 else ""
        modules = ["mpm_prefork", "authn_core", "authz_core", "authz_user", "alias", "cgi",
                   "env", "auth_openidc"]
        loads = "\n".join(f"LoadModule {m}_module {kApacheModules}/mod_{m}.so" for m in modules)
        discovery = f"{self.careid.https_url}/.well-known/openid-configuration"
        # A copy, because Apache's children (www-data when run as root) cannot read
        # careid's pki folder.
        ca_bundle = os.path.join(d, "careid-ca.pem")
        shutil.copyfile(self.careid.server_ca, ca_bundle)
        config = f"""ServerRoot "{d}"
ServerName 127.0.0.1
Listen 127.0.0.1:{self.port}
PidFile "{d}/run/httpd.pid"
DefaultRuntimeDir "{d}/run"
Mutex file:{d}/run default
ErrorLog "{d}/error.log"
LogLevel info auth_openidc:debug
LogFormat "%h %u %t \\"%r\\" %>s %b" common
CustomLog "{d}/access.log" common
{loads}
{user}StartServers 1
MinSpareServers 1
MaxSpareServers 2
Timeout 20

OIDCProviderMetadataURL "{discovery}"
OIDCSSLValidateServer On
OIDCCABundlePath "{ca_bundle}"
OIDCClientID "{kClientId}"
OIDCClientSecret "{kClientSecret}"
OIDCProviderTokenEndpointAuth client_secret_basic
OIDCRedirectURI "{self.redirect_uri}"
OIDCCryptoPassphrase "careid-e2e-cookie-passphrase-{self.port}"
OIDCScope "{kScope}"
OIDCPKCEMethod S256
OIDCRemoteUserClaim uid
OIDCPassClaimsAs environment
OIDCPassUserInfoAs claims json
OIDCHTTPTimeoutShort 10
OIDCHTTPTimeoutLong 20

ScriptAlias /protected/ "{d}/cgi-bin/"
<Directory "{d}/cgi-bin">
    Options +ExecCGI
    Require all granted
</Directory>

<Location /protected/>
    AuthType openid-connect
    Require valid-user
</Location>
"""
        path = os.path.join(d, "httpd.conf")
        with open(path, "w") as handle:
            handle.write(config)
        return path


def prepare(context):
    """Register the Apache RP as a confidential client before `demo setup` runs.

    The RP's port is chosen here because its redirect URI is part of the registration.
    """
    context.rp_folder = context.subdir("apache-openidc")
    context.rp_port = harness.free_port()
    redirect_uri = f"http://127.0.0.1:{context.rp_port}/protected/redirect_uri"
    context.rp_logged_out = f"http://127.0.0.1:{context.rp_port}/logged-out"
    clients = os.path.join(context.work_dir, "careid", "oidc-clients")
    os.makedirs(clients)
    with open(os.path.join(clients, "apache-openidc.json"), "w") as handle:
        json.dump({"client_id": kClientId,
                   "client_secret_sha256": hashlib.sha256(kClientSecret.encode()).hexdigest(),
                   "token_endpoint_auth_method": "client_secret_basic",
                   "redirect_uris": [redirect_uri],
                   "post_logout_redirect_uris": [context.rp_logged_out],
                   "backchannel_logout_uri": f"{redirect_uri}?logout=backchannel",
                   "scopes": ["openid", "profile", "nationalrbacaccess"]}, handle)
    return None


def started_rp(context):
    """Start the Apache RP once per script run and return it."""
    if getattr(context, "rp", None) is None:
        rp = OpenidcRp(context.rp_folder, context.work_dir, context.careid, context.rp_port)
        context.cleanups.append(rp.stop)
        rp.start()
        context.rp = rp
    return context.rp


class Browser:
    """A requests session that presents the demo card to careidd.

    verify and cert go on each request because REQUESTS_CA_BUNDLE in the environment
    overrides a Session's verify. requests ignores both on the RP's plain-HTTP hops.
    """

    def __init__(self, context, with_card=True):
        certificate, key, _ = context.careid.card()
        self.session = requests.Session()
        self.session.trust_env = False
        self.cert = (certificate, key) if with_card else None
        self.verify = context.careid.server_ca
        self.role_url = context.careid.https_url + "/oidc/role"

    def get(self, url, allow_redirects=True):
        return self.session.get(url, allow_redirects=allow_redirects, cert=self.cert,
                                verify=self.verify, timeout=kHttpTimeoutSeconds)

    def choose_first_role(self, page):
        """Submit careidd's role page with its first role and follow the redirects."""
        csrf_token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        role = re.search(r'name="role" value="([^"]+)"', page.text)
        check(csrf_token and role, f"role page without its form fields: {page.text[:500]}")
        return self.session.post(self.role_url,
                                 data={"csrf_token": csrf_token.group(1), "role": role.group(1)},
                                 cert=self.cert, verify=self.verify, timeout=kHttpTimeoutSeconds)


def claim_variables(page):
    variables = {}
    for line in page.splitlines():
        name, separator, value = line.partition("=")
        if separator:
            variables[name] = value
    return variables


def log_in(context, rp, browser):
    """Follow the login from the protected page to the CGI page and return the response.

    Checks the hops: the RP sends the browser to careidd's authorization endpoint with PKCE
    S256, careidd redirects to the RP's redirect URI with a code, and the RP returns the
    browser to the protected page.
    """
    response = browser.get(rp.protected_url)
    hops = [hop.url for hop in response.history]
    # The demo person has two role profiles, so careidd shows the role page before the code.
    if 'action="/oidc/role"' in response.text:
        hops.append(response.url)
        response = browser.choose_first_role(response)
        hops += [hop.url for hop in response.history]
    check_equal(response.status_code, 200, f"protected page status after {hops}; error log:\n"
                                           f"{harness.tail(rp.error_log)}")
    authorize_url = f"{context.careid.https_url}/oidc/authorize?"
    authorize = [url for url in hops if url.startswith(authorize_url)]
    check_equal(len(authorize), 1, f"one authorization request among {hops}")
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(authorize[0]).query)
    check_equal(query.get("client_id"), [kClientId], "client_id")
    check_equal(query.get("code_challenge_method"), ["S256"], "code_challenge_method")
    check(query.get("code_challenge"), f"code_challenge missing from {authorize[0]}")
    check_equal(sorted(query.get("scope", [""])[0].split()), sorted(kScope.split()), "scope")
    callback = [url for url in hops if url.startswith(f"{rp.redirect_uri}?")]
    check_equal(len(callback), 1, f"one callback among {hops}")
    check_in("code=", callback[0], "callback query")
    check_equal(response.url, rp.protected_url, "final page")
    return response


def check_claims(page):
    variables = claim_variables(page)
    check_equal(variables.get("REMOTE_USER"), kDemoUid, "REMOTE_USER (OIDCRemoteUserClaim uid)")
    check_equal(variables.get("OIDC_CLAIM_uid"), kDemoUid, f"OIDC_CLAIM_uid in:\n{page}")
    check(variables.get("OIDC_CLAIM_name"), f"OIDC_CLAIM_name missing from:\n{page}")
    check_equal(variables.get("OIDC_CLAIM_acr"), "AAL3", "OIDC_CLAIM_acr")

    # NOTE: mod_auth_openidc 2.4.12.3 (Debian 12) leaves OIDC_CLAIM_nhsid_nrbac_roles empty
    # and logs "unhandled in-array JSON object type", because it passes only arrays of
    # strings. The roles reach the application in OIDC_userinfo_json.
    userinfo_text = variables.get("OIDC_userinfo_json")
    check(userinfo_text, f"OIDC_userinfo_json missing from:\n{page}")
    userinfo = json.loads(userinfo_text)
    check_equal(userinfo.get("uid"), kDemoUid, "uid in OIDC_userinfo_json")
    roles = userinfo.get("nhsid_nrbac_roles")
    check(isinstance(roles, list) and roles, f"nhsid_nrbac_roles is not a list: {userinfo}")
    for role in roles:
        for name in ("person_roleid", "org_code", "role_name", "role_code"):
            check(role.get(name), f"role member {name} missing: {role}")
        check(kRoleCodePattern.match(role["role_code"]), f"role_code {role['role_code']!r}")


def test_login_passes_claims_to_apache(context):
    rp = started_rp(context)
    browser = Browser(context)
    page = log_in(context, rp, browser).text
    check_claims(page)

    again = browser.get(rp.protected_url, allow_redirects=False)
    check_equal(again.status_code, 200, "protected page in the same Apache session")


def test_logout_ends_apache_session(context):
    rp = started_rp(context)
    browser = Browser(context)
    log_in(context, rp, browser)

    # The module ends its own session and sends the browser to careidd's
    # end_session_endpoint with the ID token as hint and the logout URL.
    document = browser.get(f"{context.careid.https_url}/.well-known/openid-configuration").json()
    end_session = document.get("end_session_endpoint")
    check_equal(end_session, f"{context.careid.https_url}/oidc/logout", "end_session_endpoint")
    done = context.rp_logged_out
    logout = browser.get(f"{rp.redirect_uri}?logout={urllib.parse.quote(done, safe='')}",
                         allow_redirects=False)
    check(logout.status_code in (302, 303), f"logout status {logout.status_code}; error log:\n"
                                            f"{harness.tail(rp.error_log)}")
    location = logout.headers.get("Location", "")
    check(location.startswith(end_session + "?"), f"logout redirects to {location!r}")
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)
    check(query.get("id_token_hint"), f"id_token_hint missing from {location}")
    check_equal(query.get("post_logout_redirect_uri"), [done], "post_logout_redirect_uri")
    # The module revokes the access token at the revocation_endpoint of the discovery
    # document before it redirects.
    context.careid.daemon.wait_for_lines(
        [rf"endpoint=revoke outcome=access_token_revoked client_id={kClientId}\b"],
        kHttpTimeoutSeconds)

    ended = browser.get(location, allow_redirects=False)
    check_equal(ended.status_code, 302, f"end_session status; body: {ended.text}")
    returned = ended.headers.get("Location", "")
    check(returned == done or returned.startswith(done + "?state="),
          f"end_session redirects to {returned!r}")

    again = browser.get(rp.protected_url, allow_redirects=False)
    check(again.status_code in (302, 303), f"protected page after logout: status "
                                           f"{again.status_code}")
    check(again.headers.get("Location", "").startswith(
        f"{context.careid.https_url}/oidc/authorize?"),
        f"protected page after logout redirects to {again.headers.get('Location')!r}")


def count_log_lines(context, pattern):
    """Count the lines of careidd's log that match `pattern`."""
    with open(context.careid.daemon.log_path, errors="replace") as handle:
        return len(re.findall(pattern, handle.read(), re.MULTILINE))


def test_backchannel_logout_ends_apache_session(context):
    rp = started_rp(context)
    browser = Browser(context)
    log_in(context, rp, browser)
    check_equal(browser.get(rp.protected_url, allow_redirects=False).status_code, 200,
                "protected page before the logout")

    # A logout at careidd itself: the module hears of it only through the back channel.
    # Earlier cases sent back-channel requests too, so this waits for one more success line.
    delivered = rf"oidc backchannel_logout outcome=success client_id={kClientId}\b"
    before = count_log_lines(context, delivered)
    signed_out = browser.get(f"{context.careid.https_url}/logout")
    check_equal(signed_out.status_code, 200, "careidd signed-out page")
    deadline = time.monotonic() + kHttpTimeoutSeconds
    while count_log_lines(context, delivered) <= before and time.monotonic() < deadline:
        time.sleep(0.1)
    check(count_log_lines(context, delivered) > before,
          f"no back-channel logout reached Apache; error log:\n{harness.tail(rp.error_log)}")

    again = browser.get(rp.protected_url, allow_redirects=False)
    check(again.status_code in (302, 303), f"protected page after back-channel logout: status "
                                           f"{again.status_code}; error log:\n"
                                           f"{harness.tail(rp.error_log)}")
    check(again.headers.get("Location", "").startswith(
        f"{context.careid.https_url}/oidc/authorize?"),
        f"protected page after logout redirects to {again.headers.get('Location')!r}")


def test_login_without_card_denied(context):
    rp = started_rp(context)
    browser = Browser(context, with_card=False)
    response = browser.get(rp.protected_url)
    hops = [hop.url for hop in response.history] + [response.url]
    callback = [url for url in hops if url.startswith(f"{rp.redirect_uri}?")]
    check_equal(len(callback), 1, f"one callback among {hops}")
    check_in("error=access_denied", callback[0], "callback without a card")
    check_equal(response.url, callback[0], "the browser stays at the callback")
    # NOTE: mod_auth_openidc 2.4.12.3 reads a callback that carries `iss` (RFC 9207, which
    # careidd adds to error responses too) but no `code` as a third-party login. It then
    # shows "Invalid Request ... target_link_uri" instead of access_denied, with HTTP 200
    # on the wire although its access log records 500.
    check_in("<title>Error</title>", response.text, "the RP's error page")
    check(kDemoUid not in response.text, "the error page shows no uid")


kCases = [
    test_login_passes_claims_to_apache,
    test_logout_ends_apache_session,
    test_backchannel_logout_ends_apache_session,
    test_login_without_card_denied,
]

if __name__ == "__main__":
    harness.main("oidc_mod_auth_openidc", kCases, prepare=prepare)
