"""SAML single sign-on from Apache 2.4 with mod_auth_mellon (a real SP) to careidd.

curl plays the browser. It requests the SP's protected page and follows mellon's redirect
to careidd's /saml/sso with the demo smartcard as TLS client certificate. When careidd
shows its role page (a person with several role profiles), curl posts a role choice. It then
posts the returned SAMLResponse form to mellon's assertion consumer service and reads the
protected page, a shell CGI that prints the MELLON_* variables. The SP's metadata has a
KeyDescriptor use="encryption", so careidd encrypts the assertion and mellon decrypts it
with its SP key. A second login in the same careidd session needs no role choice, and
/logout ends the session. mellon's /mellon/logout starts SAML Single Logout, which ends
careidd's session too. Requests without a card or with a card from a foreign CA must get
HTTP 403 from careidd.

The first case needs no careidd: it runs the same Apache set-up against an IdP metadata
fixture with a self-made certificate and checks mellon's redirect and AuthnRequest.
"""

import base64
import datetime
import os
import re
import shutil
import sys
import urllib.parse
import zlib

# Keep __pycache__ out of the source tree.
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
from harness import check, check_equal, check_in, kDemoUid, run  # noqa: E402
from saml_forms import FormParser  # noqa: E402

kApacheModules = "/usr/lib/apache2/modules"
kApacheStartSeconds = 20.0
kHttpTimeoutSeconds = 20
kRoleCodePattern = re.compile(r"^S\d+:G\d+:R\d+$")
kRsaSha256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
kAes256Gcm = "http://www.w3.org/2009/xmlenc11#aes256-gcm"
kRsaOaep = "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p"
kPersistent = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"
kRedirectBinding = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
kPostBinding = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
kAssertedAttributes = ["uid", "cn", "mail", "nhsRoleProfileId", "nhsOrgCode", "nhsJobRoleCode",
                       "nhsJobRoleName"]

kCgiScript = """#!/bin/sh
printf 'Content-Type: text/plain\\r\\n\\r\\n'
printf 'REMOTE_USER=%s\\n' "$REMOTE_USER"
env | grep '^MELLON_' | sort
"""


# --- openssl ---------------------------------------------------------------------------

def openssl(*args):
    code, out, err = run(["openssl", *args])
    check_equal(code, 0, f"openssl {' '.join(args)} exit code (stderr: {err.strip()})")
    return out


def make_self_signed(directory, name, subject, ca=False):
    """Create NAME-key.pem and NAME-cert.pem (RSA 2048, two days); return their paths."""
    key = os.path.join(directory, f"{name}-key.pem")
    cert = os.path.join(directory, f"{name}-cert.pem")
    extensions = ["-addext", "basicConstraints=critical,CA:TRUE",
                  "-addext", "keyUsage=critical,keyCertSign,cRLSign"] if ca else []
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", subject,
            "-keyout", key, "-out", cert, *extensions)
    return key, cert


def make_foreign_card(directory):
    """Create a CA that careid does not know and a client certificate it issued."""
    ca_key, ca_cert = make_self_signed(directory, "foreign-ca", "/O=Not NHS/CN=Foreign Card CA",
                                       ca=True)
    key = os.path.join(directory, "foreign-card-key.pem")
    request = os.path.join(directory, "foreign-card.csr")
    cert = os.path.join(directory, "foreign-card-cert.pem")
    extensions = os.path.join(directory, "foreign-card.ext")
    with open(extensions, "w") as handle:
        handle.write("basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n"
                     "extendedKeyUsage=clientAuth\n")

    openssl("req", "-new", "-newkey", "rsa:2048", "-nodes", "-subj",
            f"/O=Not NHS/CN={kDemoUid}", "-keyout", key, "-out", request)
    openssl("x509", "-req", "-in", request, "-CA", ca_cert, "-CAkey", ca_key,
            "-CAcreateserial", "-days", "2", "-extfile", extensions, "-out", cert)
    return cert, key


def certificate_body(path):
    """Return the base64 body of a PEM certificate, as SAML metadata embeds it."""
    with open(path) as handle:
        text = handle.read()
    match = re.search(r"-----BEGIN CERTIFICATE-----(.*?)-----END CERTIFICATE-----", text, re.S)
    return "".join(match.group(1).split())


# --- metadata --------------------------------------------------------------------------

def sp_metadata(entity_id, base_url, cert_path):
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata"
    xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="{entity_id}">
  <md:SPSSODescriptor AuthnRequestsSigned="true" WantAssertionsSigned="true"
      protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing">
      <ds:KeyInfo><ds:X509Data><ds:X509Certificate>{certificate_body(cert_path)}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>
    </md:KeyDescriptor>
    <md:KeyDescriptor use="encryption">
      <ds:KeyInfo><ds:X509Data><ds:X509Certificate>{certificate_body(cert_path)}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>
    </md:KeyDescriptor>
    <md:SingleLogoutService Binding="{kRedirectBinding}" Location="{base_url}/mellon/logout"/>
    <md:NameIDFormat>{kPersistent}</md:NameIDFormat>
    <md:AssertionConsumerService index="0" isDefault="true" Binding="{kPostBinding}"
        Location="{base_url}/mellon/postResponse"/>
  </md:SPSSODescriptor>
</md:EntityDescriptor>
"""


def idp_fixture_metadata(entity_id, sso_url, cert_path):
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata"
    xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="{entity_id}">
  <md:IDPSSODescriptor WantAuthnRequestsSigned="true"
      protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing">
      <ds:KeyInfo><ds:X509Data><ds:X509Certificate>{certificate_body(cert_path)}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>
    </md:KeyDescriptor>
    <md:NameIDFormat>{kPersistent}</md:NameIDFormat>
    <md:SingleSignOnService Binding="{kRedirectBinding}" Location="{sso_url}"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>
"""


# --- Apache with mod_auth_mellon -------------------------------------------------------

class MellonSp:
    """An Apache 2.4 server with mod_auth_mellon protecting /protected/ on a loopback port.

    Everything it reads or writes lives in `directory`: its config, SP key and metadata,
    IdP metadata, logs, pid and lock files. The SP uses plain HTTP, so the session cookie
    is not marked Secure (MellonSecureCookie Off).
    """

    # The script that /protected/whoami runs.
    cgi_script = kCgiScript

    def __init__(self, directory, work_dir):
        self.directory = directory
        self.work_dir = work_dir
        self.port = harness.free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.entity_id = f"{self.base_url}/mellon/metadata"
        self.protected_url = f"{self.base_url}/protected/whoami"
        # careidctl demo setup copies metadata files by name, so each SP's name is its own.
        self.metadata_path = os.path.join(directory, f"{os.path.basename(directory)}-metadata.xml")
        self.idp_metadata_path = os.path.join(directory, "idp-metadata.xml")
        self.error_log = os.path.join(directory, "error.log")
        self.process = None
        os.makedirs(os.path.join(directory, "run"), exist_ok=True)
        os.makedirs(os.path.join(directory, "cgi-bin"), exist_ok=True)

        self.key_path, self.cert_path = make_self_signed(
            directory, "sp", f"/CN=127.0.0.1:{self.port} mellon SP")
        with open(self.metadata_path, "w") as handle:
            handle.write(sp_metadata(self.entity_id, self.base_url, self.cert_path))

    def write_idp_metadata(self, text):
        with open(self.idp_metadata_path, "w") as handle:
            handle.write(text)

    def start(self):
        self._write_cgi()
        config = self._write_config()
        self._grant_to_apache_user()
        self.process = harness.ManagedProcess(
            "apache2", ["apache2", "-f", config, "-DFOREGROUND"],
            os.path.join(self.directory, "apache2.out"), env=self._environment())
        harness.wait_for_port(self.process, self.port, kApacheStartSeconds, self.error_log)

    def stop(self):
        if self.process is not None:
            self.process.stop()
            self.process = None

    def _environment(self):
        # apache2 reads no Debian envvars file when started with -f; keep the locale sane.
        return {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C"}

    def _write_cgi(self):
        path = os.path.join(self.directory, "cgi-bin", "whoami")
        with open(path, "w") as handle:
            handle.write(self.cgi_script)
        os.chmod(path, 0o755)

    def _config_head(self, modules, log_level):
        """Return the start of httpd.conf: listening, pid, lock and log files, `modules`.

        Run as root, Apache's children run as www-data (see _grant_to_apache_user).
        """
        d = self.directory
        user = "User www-data\nGroup www-data\n" if os.geteuid() == 0 else ""
        loads = "\n".join(f"LoadModule {m}_module {kApacheModules}/mod_{m}.so" for m in modules)
        return f"""ServerRoot "{d}"
ServerName 127.0.0.1
Listen 127.0.0.1:{self.port}
PidFile "{d}/run/httpd.pid"
DefaultRuntimeDir "{d}/run"
Mutex file:{d}/run default
ErrorLog "{d}/error.log"
LogLevel {log_level}
LogFormat "%h %u %t \\"%r\\" %>s %b" common
CustomLog "{d}/access.log" common
{loads}
{user}StartServers 1
MinSpareServers 1
MaxSpareServers 2
Timeout 20
"""

    def _write_config(self):
        d = self.directory
        modules = ["mpm_prefork", "authn_core", "authz_core", "authz_user", "alias", "cgi",
                   "env", "auth_mellon"]
        config = f"""{self._config_head(modules, "info auth_mellon:debug")}
MellonCacheSize 10
MellonLockFile "{d}/run/mellon.lock"

ScriptAlias /protected/ "{d}/cgi-bin/"
<Directory "{d}/cgi-bin">
    Options +ExecCGI
    Require all granted
</Directory>

<Location />
    MellonEndpointPath "/mellon"
    MellonSPPrivateKeyFile "{self.key_path}"
    MellonSPCertFile "{self.cert_path}"
    MellonSPMetadataFile "{self.metadata_path}"
    MellonIdPMetadataFile "{self.idp_metadata_path}"
    MellonSecureCookie Off
    MellonVariable "careid-e2e"
    MellonUser "NAME_ID"
    MellonSignatureMethod rsa-sha256
</Location>

<Location /protected/>
    AuthType Mellon
    MellonEnable "auth"
    Require valid-user
</Location>
"""
        path = os.path.join(d, "httpd.conf")
        with open(path, "w") as handle:
            handle.write(config)
        return path

    def _grant_to_apache_user(self):
        """Give group www-data read access: Apache's children read the keys and run the CGI.

        The folders between the script's work folder and this one get search permission only.
        """
        if os.geteuid() != 0:
            return
        path = os.path.dirname(self.directory)
        while path.startswith(self.work_dir):
            os.chmod(path, os.stat(path).st_mode | 0o111)
            path = os.path.dirname(path)

        for root, folders, files in os.walk(self.directory):
            shutil.chown(root, group="www-data")
            os.chmod(root, os.stat(root).st_mode | 0o050)
            for name in files:
                path = os.path.join(root, name)
                shutil.chown(path, group="www-data")
                os.chmod(path, os.stat(path).st_mode | 0o040)
        os.chmod(os.path.join(self.directory, "run"), 0o770)


# --- curl ------------------------------------------------------------------------------

class HttpResponse:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def header(self, name):
        return self.headers.get(name.lower())


def curl(context, url, *options):
    """Fetch `url` with curl without following redirects; return an HttpResponse.

    A transport failure (connection refused, TLS handshake failed) raises CheckFailed with
    curl's exit code and message.
    """
    folder = context.subdir("curl")
    head = os.path.join(folder, "headers")
    body = os.path.join(folder, "body")
    command = ["curl", "-q", "-sS", "--noproxy", "*", "--max-time", str(kHttpTimeoutSeconds),
               "-D", head, "-o", body, "-w", "%{http_code}", *options, url]
    code, out, err = run(command, timeout=kHttpTimeoutSeconds + 10)
    check_equal(code, 0, f"curl {url} exit code (stderr: {err.strip()})")

    headers = {}
    with open(head, errors="replace") as handle:
        for line in handle:
            name, separator, value = line.partition(":")
            if separator:
                headers[name.strip().lower()] = value.strip()
    with open(body, errors="replace") as handle:
        return HttpResponse(int(out.strip() or 0), headers, handle.read())


def decode_redirect_request(location, parameter="SAMLRequest"):
    """Return the XML of the SAMLRequest (or `parameter`) in an HTTP-Redirect URL.

    The value is base64 of raw DEFLATE (SAML bindings 3.4.4.1).
    """
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)
    check_in(parameter, query, f"query of {location}")
    return zlib.decompress(base64.b64decode(query[parameter][0]), -15).decode()


def follow_to_idp(context, sp, jar):
    """Request the protected page and follow redirects within the SP; return the IdP URL.

    mellon first redirects to its own /mellon/login (which sets its cookie) and from there
    to the IdP.
    """
    url = sp.protected_url
    for _ in range(3):
        response = curl(context, url, "-b", jar, "-c", jar)
        check(response.status in (302, 303), f"GET {url}: status {response.status}, expected "
                                             f"a redirect; error log:\n"
                                             f"{harness.tail(sp.error_log)}")
        url = response.header("location") or ""
        if not url.startswith(sp.base_url + "/"):
            return url
    raise harness.CheckFailed(f"mellon still redirects within the SP after 3 hops: {url}")


# --- the fixture case, needing no careidd ----------------------------------------------

class FixtureIdp:
    """A static IdP for the mellon SP: metadata with a self-made key, no server behind it.

    Nothing listens on its port. Responses are signed here with xmlsec1.
    """

    def __init__(self, folder):
        port = harness.free_port()
        self.url = f"https://127.0.0.1:{port}"
        self.entity_id = f"{self.url}/saml/metadata"
        self.sso_url = f"{self.url}/saml/sso"
        self.key, self.cert = make_self_signed(folder, "fixture-idp", "/CN=fixture IdP")

    def metadata(self):
        return idp_fixture_metadata(self.entity_id, self.sso_url, self.cert)


def fixture_sp(context):
    """Start one Apache + mellon SP that trusts the fixture IdP; return (sp, idp)."""
    if getattr(context, "fixture", None) is None:
        folder = context.subdir("fixture")
        sp = MellonSp(os.path.join(folder, "sp"), context.work_dir)
        idp = FixtureIdp(folder)
        sp.write_idp_metadata(idp.metadata())
        context.cleanups.append(sp.stop)
        sp.start()
        context.fixture = (sp, idp)
    return context.fixture


def test_mellon_redirects_to_fixture_idp(context):
    sp, idp = fixture_sp(context)
    jar = os.path.join(context.subdir("fixture-redirect"), "cookies")
    location = follow_to_idp(context, sp, jar)
    check(location.startswith(f"{idp.sso_url}?"), f"redirect to {location!r}")

    request = decode_redirect_request(location)
    check_in("AuthnRequest", request, "SAMLRequest")
    check_in(f'Destination="{idp.sso_url}"', request, "AuthnRequest")
    check_in(sp.entity_id, request, "AuthnRequest Issuer")
    check_in(f'AssertionConsumerServiceURL="{sp.base_url}/mellon/postResponse"', request,
             "AuthnRequest")
    check_in(f'Format="{kPersistent}"', request, "AuthnRequest NameIDPolicy")
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)
    check_equal(query.get("SigAlg"), [kRsaSha256], "SigAlg of the signed redirect")
    check("Signature" in query, "the redirect carries no Signature")


def test_mellon_accepts_fixture_response(context):
    # Proves the SP half of the flow (ACS, session cookie, CGI variables) without careidd,
    # so that a failure in test_sso_with_demo_card points at careidd.
    sp, idp = fixture_sp(context)
    folder = context.subdir("fixture-response")
    jar = os.path.join(folder, "cookies")
    location = follow_to_idp(context, sp, jar)
    request_id = re.search(r'\bID="([^"]+)"', decode_redirect_request(location)).group(1)
    relay_state = urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)["RelayState"][0]

    response = fixture_response(folder, idp, sp, request_id)
    page = post_to_acs(context, sp, jar, {"SAMLResponse": response, "RelayState": relay_state})
    check_mellon_variables(page)


def test_mellon_rejects_tampered_response(context):
    # Without this, the accepting case above could pass with signature checks switched off.
    sp, idp = fixture_sp(context)
    folder = context.subdir("fixture-tampered")
    jar = os.path.join(folder, "cookies")
    location = follow_to_idp(context, sp, jar)
    request_id = re.search(r'\bID="([^"]+)"', decode_redirect_request(location)).group(1)

    signed = base64.b64decode(fixture_response(folder, idp, sp, request_id)).decode()
    tampered = signed.replace(f">{kDemoUid}<", ">555000000002<")
    check(tampered != signed, "the signed fixture response holds no uid value to change")
    path = os.path.join(folder, "SAMLResponse")
    with open(path, "w") as handle:
        handle.write(base64.b64encode(tampered.encode()).decode())

    acs = f"{sp.base_url}/mellon/postResponse"
    response = curl(context, acs, "-b", jar, "-c", jar, "--data-urlencode", f"SAMLResponse@{path}")
    check(response.status >= 400, f"POST of a tampered response to {acs}: status "
                                  f"{response.status}, expected an error")
    # Lasso's wording, as logged by mod_auth_mellon 0.18 on Debian 12.
    check_in("Failed to verify signature", harness.tail(sp.error_log, 200),
             "mellon error log after the tampered response")
    response = curl(context, sp.protected_url, "-b", jar, "-c", jar)
    check(response.status in (302, 303), f"GET {sp.protected_url} after the rejected response: "
                                         f"status {response.status}, expected a redirect")


def fixture_response(folder, idp, sp, request_id):
    """Return a base64 SAML Response whose assertion xmlsec1 signed with the fixture key."""
    template = os.path.join(folder, "response-template.xml")
    signed = os.path.join(folder, "response-signed.xml")
    with open(template, "w") as handle:
        handle.write(fixture_response_xml(idp, sp, request_id))

    code, _, err = run(["xmlsec1", "--sign", "--privkey-pem", f"{idp.key},{idp.cert}",
                        "--id-attr:ID", "urn:oasis:names:tc:SAML:2.0:assertion:Assertion",
                        "--output", signed, template])
    check_equal(code, 0, f"xmlsec1 --sign exit code (stderr: {err.strip()})")
    with open(signed, "rb") as handle:
        return base64.b64encode(handle.read()).decode()


def fixture_response_xml(idp, sp, request_id):
    now = datetime.datetime.now(datetime.timezone.utc)

    def instant(offset_seconds):
        moment = now + datetime.timedelta(seconds=offset_seconds)
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")

    acs = f"{sp.base_url}/mellon/postResponse"
    values = {"uid": kDemoUid, "cn": "Demo Clinician", "mail": "demo.clinician@nhs.example",
              "nhsRoleProfileId": "555000000101", "nhsOrgCode": "RJ1",
              "nhsJobRoleCode": "S8000:G8000:R8000",
              "nhsJobRoleName": "Clinical Practitioner Access Role"}
    attributes = "".join(
        f'<saml:Attribute Name="{name}" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:'
        f'basic"><saml:AttributeValue>{value}</saml:AttributeValue></saml:Attribute>'
        for name, value in values.items())
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"
    xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_fixture-response" Version="2.0"
    IssueInstant="{instant(0)}" Destination="{acs}" InResponseTo="{request_id}">
<saml:Issuer>{idp.entity_id}</saml:Issuer>
<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>
<saml:Assertion ID="_fixture-assertion" Version="2.0" IssueInstant="{instant(0)}">
<saml:Issuer>{idp.entity_id}</saml:Issuer>
<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo>
<ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>
<ds:SignatureMethod Algorithm="{kRsaSha256}"/>
<ds:Reference URI="#_fixture-assertion"><ds:Transforms>
<ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>
<ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></ds:Transforms>
<ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue/>
</ds:Reference></ds:SignedInfo><ds:SignatureValue/></ds:Signature>
<saml:Subject><saml:NameID Format="{kPersistent}" NameQualifier="{idp.entity_id}"
    SPNameQualifier="{sp.entity_id}">fixture-persistent-id</saml:NameID>
<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">
<saml:SubjectConfirmationData InResponseTo="{request_id}" Recipient="{acs}"
    NotOnOrAfter="{instant(300)}"/></saml:SubjectConfirmation></saml:Subject>
<saml:Conditions NotBefore="{instant(-60)}" NotOnOrAfter="{instant(300)}">
<saml:AudienceRestriction><saml:Audience>{sp.entity_id}</saml:Audience></saml:AudienceRestriction>
</saml:Conditions>
<saml:AuthnStatement AuthnInstant="{instant(0)}" SessionIndex="_fixture-session">
<saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:X509</saml:AuthnContextClassRef></saml:AuthnContext>
</saml:AuthnStatement>
<saml:AttributeStatement>{attributes}</saml:AttributeStatement>
</saml:Assertion>
</samlp:Response>
"""


def post_to_acs(context, sp, jar, fields):
    """POST form `fields` to mellon's ACS, follow its redirect; return the protected page."""
    folder = context.subdir("acs")
    post = []
    for name, value in fields.items():
        path = os.path.join(folder, name)
        with open(path, "w") as handle:
            handle.write(value)
        post += ["--data-urlencode", f"{name}@{path}"]
    acs = f"{sp.base_url}/mellon/postResponse"
    response = curl(context, acs, "-b", jar, "-c", jar, *post)
    check(response.status in (302, 303), f"POST {acs}: status {response.status}; "
                                         f"error log:\n{harness.tail(sp.error_log)}")
    check_equal(response.header("location"), sp.protected_url, "redirect after the ACS")

    response = curl(context, sp.protected_url, "-b", jar, "-c", jar)
    check_equal(response.status, 200, f"GET {sp.protected_url} after sign-on status")
    return response.body


# --- cases against careidd -------------------------------------------------------------

def prepare(context):
    """Create the SPs before careid so that `demo setup` can load their metadata.

    The second SP takes part only in the Single Logout case with two SPs.
    """
    context.sp = MellonSp(context.subdir("sp"), context.work_dir)
    context.second_sp = MellonSp(context.subdir("second-sp"), context.work_dir)
    return [context.sp.metadata_path, context.second_sp.metadata_path]


def started_sp(context, sp=None):
    """Fetch careidd's IdP metadata into the SP and start Apache, once per SP."""
    sp = sp or context.sp
    if sp.process is None:
        careid = context.careid
        response = curl(context, f"{careid.https_url}/saml/metadata",
                        "--cacert", careid.server_ca)
        check_equal(response.status, 200, "GET /saml/metadata status")
        sp.write_idp_metadata(response.body)
        context.cleanups.append(sp.stop)
        sp.start()
    return sp


def sso_location(context, sp, jar):
    location = follow_to_idp(context, sp, jar)
    check(location.startswith(f"{context.careid.https_url}/saml/sso?"),
          f"mellon redirected to {location!r}")
    return location


def test_idp_metadata(context):
    sp = started_sp(context)
    with open(sp.idp_metadata_path) as handle:
        metadata = handle.read()
    https_url = context.careid.https_url
    check_in("IDPSSODescriptor", metadata, "IdP metadata")
    check_in(f'entityID="{https_url}/saml/metadata"', metadata, "IdP metadata")
    check_in(kRedirectBinding, metadata, "IdP metadata SingleSignOnService")
    check_in(f'Location="{https_url}/saml/sso"', metadata, "IdP metadata SingleSignOnService")
    check_in("X509Certificate", metadata, "IdP metadata signing key")


def card_curl(context, url, idp_jar, *options):
    """curl `url` at careidd with the demo card and careidd's own cookie jar."""
    careid = context.careid
    cert, key, _ = careid.card()
    return curl(context, url, "--cert", cert, "--key", key, "--cacert", careid.server_ca,
                "-b", idp_jar, "-c", idp_jar, *options)


def saml_form_after_role_choice(context, response, idp_jar):
    """Return the SAML POST form, choosing a role first if careidd shows the role page."""
    form = FormParser()
    form.feed(response.body)
    context.role_page_shown = form.action == "/saml/role"
    if not context.role_page_shown:
        return form
    check_in("csrf_token", form.fields, "role page fields")
    check_in("role", form.fields, "role page fields")
    check_in("form-action 'self'", response.header("content-security-policy") or "",
             "role page Content-Security-Policy")
    body = urllib.parse.urlencode({"csrf_token": form.fields["csrf_token"],
                                   "role": form.fields["role"]})
    chosen = card_curl(context, f"{context.careid.https_url}/saml/role", idp_jar,
                       "--data", body)
    check_equal(chosen.status, 200, f"POST /saml/role status (body: {chosen.body[:300]!r})")
    cookie = chosen.header("set-cookie") or ""
    check(cookie.startswith("__Host-careid_session="), f"session cookie {cookie!r}")
    for attribute in ("Secure", "HttpOnly", "SameSite=Lax", "Path=/"):
        check_in(attribute, cookie, "session cookie attributes")
    form = FormParser()
    form.feed(chosen.body)
    return form


def sign_on(context, sp, folder, idp_jar):
    """Run one login from the SP's protected page to the SP's page; return that page."""
    jar = os.path.join(folder, "cookies")
    location = sso_location(context, sp, jar)
    response = card_curl(context, location, idp_jar)
    check_equal(response.status, 200, f"GET /saml/sso with the demo card status "
                                      f"(body: {response.body[:300]!r})")
    form = saml_form_after_role_choice(context, response, idp_jar)
    check_equal(form.action, f"{sp.base_url}/mellon/postResponse", "form action")
    check_in("SAMLResponse", form.fields, "form fields")
    check_assertion(base64.b64decode(form.fields["SAMLResponse"]).decode())
    return post_to_acs(context, sp, jar, form.fields)


def test_sso_with_demo_card(context):
    sp = started_sp(context)
    folder = context.subdir("demo-card")
    page = sign_on(context, sp, folder, os.path.join(folder, "idp-cookies"))
    check_mellon_variables(page)


def test_session_reuses_role_then_logout(context):
    """A second login in the careid session needs no role choice; logout ends it."""
    sp = started_sp(context)
    folder = context.subdir("session")
    idp_jar = os.path.join(folder, "idp-cookies")
    first = sign_on(context, sp, context.subdir("session-first"), idp_jar)
    check_mellon_variables(first)

    jar = os.path.join(context.subdir("session-second"), "cookies")
    location = sso_location(context, sp, jar)
    response = card_curl(context, location, idp_jar)
    check_equal(response.status, 200, "second GET /saml/sso status")
    form = FormParser()
    form.feed(response.body)
    check_equal(form.action, f"{sp.base_url}/mellon/postResponse",
                "second login goes straight to the SP (no role page)")
    second = post_to_acs(context, sp, jar, form.fields)
    role = [line for line in second.splitlines() if line.startswith("MELLON_nhsRoleProfileId=")]
    check_equal(role, [line for line in first.splitlines()
                       if line.startswith("MELLON_nhsRoleProfileId=")], "role kept in session")

    # careidd's /logout sends mellon a LogoutRequest first, because mellon received an
    # assertion in the session and has a SingleLogoutService. Here the browser never reaches
    # mellon, as with an SP that sends no LogoutResponse. Back at /logout, careidd skips it.
    logout = card_curl(context, f"{context.careid.https_url}/logout", idp_jar)
    location = logout.header("location") or ""
    check_equal(logout.status, 302, f"GET /logout status (body: {logout.body[:300]!r})")
    check(location.startswith(f"{sp.base_url}/mellon/logout?SAMLRequest="),
          f"careidd's LogoutRequest goes to {location!r}")
    logout = card_curl(context, f"{context.careid.https_url}/logout", idp_jar)
    check_equal(logout.status, 200, f"second GET /logout status (body: {logout.body[:300]!r})")
    check_in("Max-Age=0", logout.header("set-cookie") or "", "logout clears the cookie")
    check_in("did not confirm the sign-out", logout.body, "signed-out page")
    jar = os.path.join(context.subdir("session-third"), "cookies")
    role_page_in_first_login = context.role_page_shown
    response = card_curl(context, sso_location(context, sp, jar), idp_jar)
    check_equal(response.status, 200, "GET /saml/sso after logout status")
    form = FormParser()
    form.feed(response.body)
    # With several role profiles the ended session means a new role choice; with one role
    # there is never a role page.
    expected_action = "/saml/role" if role_page_in_first_login else f"{sp.base_url}/mellon/postResponse"
    check_equal(form.action, expected_action, "form after logout")


def test_single_logout_from_mellon(context):
    """mellon's /mellon/logout sends a signed LogoutRequest; careidd ends the session.

    careidd returns a signed LogoutResponse over HTTP-Redirect to mellon's
    SingleLogoutService, and mellon accepts it and redirects to ReturnTo. The protected page
    then requires a new login, and careidd's session is gone: a person with several role
    profiles gets the role page again.
    """
    sp = started_sp(context)
    folder = context.subdir("single-logout")
    idp_jar = os.path.join(folder, "idp-cookies")
    jar = os.path.join(folder, "cookies")
    location = sso_location(context, sp, jar)
    form = saml_form_after_role_choice(context, card_curl(context, location, idp_jar), idp_jar)
    role_page_in_login = context.role_page_shown
    check_mellon_variables(post_to_acs(context, sp, jar, form.fields))

    return_to = f"{sp.base_url}/"
    start = curl(context, f"{sp.base_url}/mellon/logout?ReturnTo="
                 f"{urllib.parse.quote(return_to, safe='')}", "-b", jar, "-c", jar)
    slo_url = f"{context.careid.https_url}/saml/slo?"
    location = start.header("location") or ""
    check(start.status in (302, 303) and location.startswith(slo_url),
          f"GET /mellon/logout: status {start.status}, location {location!r}; error log:\n"
          f"{harness.tail(sp.error_log)}")
    request_xml = decode_redirect_request(location)
    check_in("LogoutRequest", request_xml, "mellon's logout message")
    check_in("SessionIndex", request_xml, "mellon's LogoutRequest")
    check_in("Signature=", location, "mellon signs the LogoutRequest")

    response = card_curl(context, location, idp_jar)
    back = response.header("location") or ""
    check_equal(response.status, 302, f"GET /saml/slo status (body: {response.body[:300]!r})")
    check(back.startswith(f"{sp.base_url}/mellon/logout?SAMLResponse="),
          f"careidd's LogoutResponse goes to {back!r}")
    check_in("Signature=", back, "careidd signs the LogoutResponse")
    check_in("Max-Age=0", response.header("set-cookie") or "", "SLO clears careidd's cookie")

    done = curl(context, back, "-b", jar, "-c", jar)
    check(done.status in (302, 303), f"mellon's LogoutResponse handling: status {done.status}; "
                                     f"error log:\n{harness.tail(sp.error_log)}")
    check_equal(done.header("location"), return_to, "mellon returns to ReturnTo")
    again = curl(context, sp.protected_url, "-b", jar, "-c", jar)
    check(again.status in (302, 303), f"protected page after logout: status {again.status}")

    relogin = card_curl(context, sso_location(context, sp, jar), idp_jar)
    relogin_form = FormParser()
    relogin_form.feed(relogin.body)
    expected_action = "/saml/role" if role_page_in_login else f"{sp.base_url}/mellon/postResponse"
    check_equal(relogin_form.action, expected_action, "next login after Single Logout")


def relay_logout_request(context, sp, jar, response, idp_jar):
    """Carry careidd's LogoutRequest in `response` to `sp` and mellon's LogoutResponse back.

    Returns careidd's reply to mellon's LogoutResponse.
    """
    location = response.header("location") or ""
    check_equal(response.status, 302, f"careidd's reply before {sp.base_url} logs out "
                                      f"(body: {response.body[:300]!r})")
    check(location.startswith(f"{sp.base_url}/mellon/logout?SAMLRequest="),
          f"careidd's LogoutRequest goes to {location!r}")
    check_in("Signature=", location, "careidd signs the LogoutRequest")
    request_xml = decode_redirect_request(location)
    check_in("SessionIndex", request_xml, "careidd's LogoutRequest")

    reply = curl(context, location, "-b", jar, "-c", jar)
    back = reply.header("location") or ""
    check(reply.status in (302, 303) and
          back.startswith(f"{context.careid.https_url}/saml/slo?SAMLResponse="),
          f"mellon's reply to careidd's LogoutRequest: status {reply.status}, location "
          f"{back!r}; error log:\n{harness.tail(sp.error_log)}")
    check_in("Signature=", back, "mellon signs the LogoutResponse")
    return card_curl(context, back, idp_jar)


def test_single_logout_across_two_sps(context):
    """Logging out at one mellon SP ends the session at the other SP and at careidd.

    Both SPs sign on in one careidd session. mellon A's LogoutRequest makes careidd send a
    LogoutRequest to mellon B through the browser. B ends its session and returns a
    LogoutResponse, and only then does careidd send A its LogoutResponse with status Success.
    """
    first_sp = started_sp(context)
    second_sp = started_sp(context, context.second_sp)
    folder = context.subdir("two-sps")
    idp_jar = os.path.join(folder, "idp-cookies")
    first_jar = os.path.join(folder, "first-cookies")
    second_jar = os.path.join(folder, "second-cookies")
    form = saml_form_after_role_choice(
        context, card_curl(context, sso_location(context, first_sp, first_jar), idp_jar), idp_jar)
    role_page_in_login = context.role_page_shown
    check_mellon_variables(post_to_acs(context, first_sp, first_jar, form.fields))
    second = card_curl(context, sso_location(context, second_sp, second_jar), idp_jar)
    second_form = FormParser()
    second_form.feed(second.body)
    check_equal(second_form.action, f"{second_sp.base_url}/mellon/postResponse",
                "second SP signs on in the same careidd session")
    check_mellon_variables(post_to_acs(context, second_sp, second_jar, second_form.fields))

    return_to = f"{first_sp.base_url}/"
    start = curl(context, f"{first_sp.base_url}/mellon/logout?ReturnTo="
                 f"{urllib.parse.quote(return_to, safe='')}", "-b", first_jar, "-c", first_jar)
    location = start.header("location") or ""
    check(location.startswith(f"{context.careid.https_url}/saml/slo?"),
          f"GET /mellon/logout at the first SP: location {location!r}")
    to_second = card_curl(context, location, idp_jar)
    final = relay_logout_request(context, second_sp, second_jar, to_second, idp_jar)

    back = final.header("location") or ""
    check_equal(final.status, 302, f"careidd's last reply (body: {final.body[:300]!r})")
    check(back.startswith(f"{first_sp.base_url}/mellon/logout?SAMLResponse="),
          f"careidd's LogoutResponse goes to {back!r}")
    check_in("Max-Age=0", final.header("set-cookie") or "", "SLO clears careidd's cookie")
    response_xml = decode_redirect_request(back, "SAMLResponse")
    check_in("status:Success", response_xml, "LogoutResponse status")
    check("PartialLogout" not in response_xml, "every SP confirmed, so no PartialLogout")
    done = curl(context, back, "-b", first_jar, "-c", first_jar)
    check_equal(done.header("location"), return_to, "first SP returns to ReturnTo")

    for sp, jar in ((first_sp, first_jar), (second_sp, second_jar)):
        again = curl(context, sp.protected_url, "-b", jar, "-c", jar)
        check(again.status in (302, 303),
              f"protected page of {sp.base_url} after logout: status {again.status}")
    relogin = card_curl(context, sso_location(context, second_sp, second_jar), idp_jar)
    relogin_form = FormParser()
    relogin_form.feed(relogin.body)
    expected_action = ("/saml/role" if role_page_in_login
                       else f"{second_sp.base_url}/mellon/postResponse")
    check_equal(relogin_form.action, expected_action, "next login after Single Logout")


def check_assertion(xml):
    """Check the parts of careidd's Response that the interface fixes.

    The SP's metadata has a KeyDescriptor use="encryption", so the assertion arrives
    encrypted (AES-256-GCM, RSA-OAEP) and mellon decrypts it with MellonSPPrivateKeyFile;
    the attributes are checked in mellon's variables (check_mellon_variables).
    """
    check(re.search(r"<(\w+:)?EncryptedAssertion[\s>]", xml),
          f"SAMLResponse has no EncryptedAssertion:\n{xml}")
    check(not re.search(r"<(\w+:)?Assertion[\s>]", xml), "SAMLResponse has a plaintext Assertion")
    check_in(kAes256Gcm, xml, "EncryptedData EncryptionMethod")
    check_in(kRsaOaep, xml, "EncryptedKey EncryptionMethod")
    check(kDemoUid not in xml, "the uid is readable in the encrypted SAMLResponse")


def check_mellon_variables(page):
    variables = {}
    for line in page.splitlines():
        name, separator, value = line.partition("=")
        if separator:
            variables[name] = value

    check_equal(variables.get("MELLON_uid"), kDemoUid, "MELLON_uid")
    role_code = variables.get("MELLON_nhsJobRoleCode", "")
    check(kRoleCodePattern.match(role_code), f"MELLON_nhsJobRoleCode {role_code!r}")
    for name in kAssertedAttributes:
        check(variables.get(f"MELLON_{name}"), f"MELLON_{name} missing from:\n{page}")
    check(variables.get("REMOTE_USER"), f"REMOTE_USER (the persistent NameID) empty:\n{page}")


def test_sso_without_card_forbidden(context):
    sp = started_sp(context)
    jar = os.path.join(context.subdir("no-card"), "cookies")
    location = sso_location(context, sp, jar)
    response = curl(context, location, "--cacert", context.careid.server_ca)
    check_equal(response.status, 403, "GET /saml/sso without a card status")
    check(response.body.strip(), "the 403 page without a card is empty")


def test_sso_with_foreign_card_forbidden(context):
    sp = started_sp(context)
    folder = context.subdir("foreign-card")
    cert, key = make_foreign_card(folder)
    jar = os.path.join(folder, "cookies")
    location = sso_location(context, sp, jar)
    response = curl(context, location, "--cert", cert, "--key", key, "--cacert",
                    context.careid.server_ca)
    check_equal(response.status, 403, "GET /saml/sso with a foreign card status")
    check(response.body.strip(), "the 403 page for a foreign card is empty")


kStandaloneCases = [
    test_mellon_redirects_to_fixture_idp,
    test_mellon_accepts_fixture_response,
    test_mellon_rejects_tampered_response,
]

kCases = [
    test_idp_metadata,
    test_sso_with_demo_card,
    test_session_reuses_role_then_logout,
    test_single_logout_from_mellon,
    test_single_logout_across_two_sps,
    test_sso_without_card_forbidden,
    test_sso_with_foreign_card_forbidden,
]

if __name__ == "__main__":
    harness.main("saml_mellon", kCases, prepare=prepare, standalone_cases=kStandaloneCases)
