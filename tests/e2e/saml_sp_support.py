"""Shared parts of the e2e scripts that sign on to careidd from a real SAML SP.

`CardBrowser` plays the browser with python3-requests: it presents the demo card to careidd,
follows redirects across the SP and careidd, chooses a role on careidd's role page and
submits the auto-posting SAML forms. Each script starts its SP on a loopback port and checks
what the SP exposes with `check_nhs_attributes`.
"""

import base64
import os
import re
import urllib.parse

import requests

from harness import check, check_equal, check_in, free_port, kDemoUid, run
from saml_forms import parse_form
# kPersistent and kHttpTimeoutSeconds are used by the SP scripts too.
from test_saml_mellon import (MellonSp, kAes256Gcm, kHttpTimeoutSeconds,  # noqa: F401
                              kPersistent, kRoleCodePattern, kRsaOaep, make_self_signed)

kActivityCodePattern = re.compile(r"^B\d{4}$")
kSmartcardPki = "urn:oasis:names:tc:SAML:2.0:ac:classes:SmartcardPKI"
kSessionCookie = "__Host-careid_session"
# Forms that a browser submits on its own: the HTTP-POST binding's SAML messages.
kSamlFields = ("SAMLRequest", "SAMLResponse")


class ApacheSp(MellonSp):
    """An Apache 2.4 SP on a loopback port, with an SP key, whose httpd.conf a subclass writes.

    Start-up, stop, the CGI and file permissions come from MellonSp. Subclasses set
    `protected_url` and return the configuration from `_httpd_conf()`, which may start with
    `_config_head()`.
    """

    def __init__(self, directory, work_dir, product):
        self.directory = directory
        self.work_dir = work_dir
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.error_log = os.path.join(directory, "error.log")
        self.process = None
        os.makedirs(os.path.join(directory, "run"), exist_ok=True)
        os.makedirs(os.path.join(directory, "cgi-bin"), exist_ok=True)
        self.key_path, self.cert_path = make_self_signed(
            directory, "sp", f"/CN=127.0.0.1:{self.port} {product} SP")

    def _write_config(self):
        path = os.path.join(self.directory, "httpd.conf")
        with open(path, "w") as handle:
            handle.write(self._httpd_conf())
        return path


def fetch_idp_metadata(careid, path):
    """Save careidd's IdP metadata to `path` and return its text."""
    response = requests.get(f"{careid.https_url}/saml/metadata", verify=careid.server_ca,
                            timeout=kHttpTimeoutSeconds)
    check_equal(response.status_code, 200, "GET /saml/metadata status")
    with open(path, "w") as handle:
        handle.write(response.text)
    return response.text


def import_rbac_sample(context):
    """Import the sample RBAC activities and baseline once, so that roles carry activities.

    `demo setup` loads no activities, so without this the nhsActivityCode attribute is absent.
    """
    if getattr(context, "rbac_imported", False):
        return
    careid = context.careid
    reference = os.path.join(context.args.source_dir, "data", "reference")
    command = [careid.careidctl, "rbac", "import", "--config",
               os.path.join(careid.data_dir, "careid.toml")]
    for option, name in (("--activities", "activities"), ("--baseline", "baseline"),
                         ("--areas-of-work", "areas-of-work")):
        command += [option, os.path.join(reference, f"rbac-{name}-sample.csv")]
    code, _, err = run(command)
    check_equal(code, 0, f"careidctl rbac import exit code (stderr: {err.strip()})")
    context.rbac_imported = True


class CardBrowser:
    """A browser holding the demo card and the cookies of careidd and the SP.

    `history` lists every response in order, redirects included, so that a case can check
    what careidd sent on the way (Set-Cookie, the SAML messages in Location headers).
    """

    def __init__(self, careid):
        self.careid = careid
        cert, key, _ = careid.card()
        self.session = requests.Session()
        self.cert = (cert, key)
        self.history = []
        self.posted_saml_fields = []
        self.role_page_shown = False

    def get(self, url):
        return self._record(self.session.get(url, **self._options()))

    def post(self, url, fields):
        return self._record(self.session.post(url, data=fields, **self._options()))

    def visit(self, url, max_forms=6):
        """GET `url`, then submit role and SAML forms until a page without one comes back."""
        response = self.get(url)
        for _ in range(max_forms):
            form = parse_form(response.text)
            action = urllib.parse.urljoin(response.url, form.action or "")
            if action == f"{self.careid.https_url}/saml/role":
                response = self.choose_role(action, form)
            elif form.action and any(field in form.fields for field in kSamlFields):
                self.posted_saml_fields.append(form.fields)
                response = self.post(action, form.fields)
            else:
                return response
        raise AssertionError(f"still a form after {max_forms} submissions at {response.url}")

    def choose_role(self, action, form):
        """Post the role that careidd's role page preselects to `action`."""
        self.role_page_shown = True
        check_in("csrf_token", form.fields, "role page fields")
        check_in("role", form.fields, "role page fields")
        fields = {"csrf_token": form.fields["csrf_token"], "role": form.fields["role"]}
        return self.post(action, fields)

    def careid_session(self):
        """Return careidd's session cookie value, or None when the browser has none."""
        return self.session.cookies.get(kSessionCookie)

    def redirect_queries(self, prefix):
        """Return the query parameters, as {name: value}, of each redirect to a URL that
        starts with `prefix`."""
        queries = []
        for response in self.history:
            location = response.headers.get("location", "")
            if location.startswith(prefix):
                query = urllib.parse.urlsplit(location).query
                queries.append(dict(urllib.parse.parse_qsl(query)))
        return queries

    def saml_messages(self, parameter):
        """Return the `parameter` values (e.g. SAMLResponse) of the redirects seen so far."""
        values = []
        for response in self.history:
            location = response.headers.get("location", "")
            query = urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)
            values += query.get(parameter, [])
        return values

    def posted_responses(self):
        """Return the XML of each SAMLResponse that the browser posted to an SP."""
        return [base64.b64decode(fields["SAMLResponse"]).decode()
                for fields in self.posted_saml_fields if "SAMLResponse" in fields]

    def _options(self):
        # verify and cert go on each request because requests lets REQUESTS_CA_BUNDLE from
        # the environment override a Session's verify.
        return {"verify": self.careid.server_ca, "cert": self.cert,
                "timeout": kHttpTimeoutSeconds}

    def _record(self, response):
        self.history += list(response.history) + [response]
        return response


def log_out_at_careid(careid, browser):
    """Run careidd's /logout, with the browser carrying careidd's LogoutRequests to the SPs
    and their LogoutResponses back, and check careidd's last page."""
    done = browser.visit(f"{careid.https_url}/logout")
    check_equal(done.status_code, 200, f"careidd's page after /logout (body: "
                                       f"{done.text[:800]!r})")
    check_in("signed out of careid and of the services you used", done.text,
             "careidd's last logout page")
    check("did not confirm" not in done.text, f"careidd reports a partial logout:\n{done.text}")
    return done


def check_signed_out(careid, browser, protected_url):
    """Check that careidd's session cookie is gone and that `protected_url` sends the browser
    to careidd's /saml/sso again."""
    check(browser.careid_session() is None, "careidd's session cookie survived the logout")
    again = browser.get(protected_url)
    check(again.url.startswith(f"{careid.https_url}/saml/sso"),
          f"{protected_url} after the logout went to {again.url}")


def log_out_at_sp(careid, browser, logout_url, protected_url):
    """Start Single Logout at the SP's `logout_url` and check that careidd sent one
    LogoutResponse and that the browser is signed out. Return the SP's last page."""
    done = browser.visit(logout_url)
    check_equal(done.status_code, 200, f"SP page after logout (body: {done.text[:800]!r})")
    check_equal(len(browser.saml_messages("SAMLResponse")), 1, "LogoutResponses from careidd")
    check_signed_out(careid, browser, protected_url)
    return done


def idp_logout_case(started_sp, sign_on):
    """Return the case in which careidd's /logout sends the SP a LogoutRequest and the SP's
    signed LogoutResponse lets careidd finish without a partial logout.

    `started_sp(context)` returns the script's running SP, which has `protected_url`, and
    `sign_on(context, sp, browser)` signs a browser on to it.
    """

    def test_idp_logout_reaches_sp(context):
        sp = started_sp(context)
        browser = CardBrowser(context.careid)
        sign_on(context, sp, browser)

        log_out_at_careid(context.careid, browser)
        check_signed_out(context.careid, browser, sp.protected_url)

    return test_idp_logout_reaches_sp


def check_encrypted_assertion(response_xml):
    """Check that careidd encrypted the assertion with AES-256-GCM and RSA-OAEP."""
    check(re.search(r"<(\w+:)?EncryptedAssertion[\s>]", response_xml),
          f"SAMLResponse has no EncryptedAssertion:\n{response_xml}")
    check(not re.search(r"<(\w+:)?Assertion[\s>]", response_xml),
          "SAMLResponse has a plaintext Assertion")
    check_in(kAes256Gcm, response_xml, "EncryptedData EncryptionMethod")
    check_in(kRsaOaep, response_xml, "EncryptedKey EncryptionMethod")
    check(kDemoUid not in response_xml, "the uid is readable in the encrypted SAMLResponse")


def check_nhs_attributes(attributes, where):
    """Check the NHS attributes an SP received, given as {name: [values]}.

    The role attributes have one value each, for the role chosen in this session.
    """
    check_equal(attributes.get("uid"), [kDemoUid], f"uid in {where}")
    for name in ("cn", "nhsRoleProfileId", "nhsOrgCode", "nhsJobRoleName"):
        values = attributes.get(name) or []
        check_equal(len(values), 1, f"number of {name} values in {where} ({sorted(attributes)})")
    role_codes = attributes.get("nhsJobRoleCode") or [""]
    check_equal(len(role_codes), 1, f"number of nhsJobRoleCode values in {where}")
    check(kRoleCodePattern.match(role_codes[0]), f"nhsJobRoleCode {role_codes!r} in {where}")
    activities = attributes.get("nhsActivityCode") or []
    check(activities, f"no nhsActivityCode in {where} ({sorted(attributes)})")
    for code in activities:
        check(kActivityCodePattern.match(code), f"nhsActivityCode {code!r} in {where}")
