"""SAML single sign-on from SimpleSAMLphp 1.19 (Debian's simplesamlphp) to careidd.

Apache 2.4 with mod_php serves SimpleSAMLphp at /simplesaml/ and two pages of a test
application: /app/whoami.php calls `\\SimpleSAML\\Auth\\Simple::requireAuth()` for the
`saml:SP` auth source and returns the attributes, NameID and AuthnContext as JSON, and
/app/logout.php starts Single Logout. SimpleSAMLphp's configuration, sessions, logs and
cache live in the script's temporary folder. careidd registers the SP metadata that
SimpleSAMLphp publishes. It has KeyDescriptors for signing and for encryption, so careidd
encrypts the assertion. SimpleSAMLphp decrypts it and, with `assertion.encryption`, rejects
a plaintext one.
"""

import os
import re
import secrets
import sys

# Keep __pycache__ out of the source tree.
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import requests  # noqa: E402

import harness  # noqa: E402
from harness import check, check_equal  # noqa: E402
from saml_sp_support import (ApacheSp, CardBrowser, check_encrypted_assertion,  # noqa: E402
                             check_nhs_attributes, fetch_idp_metadata, idp_logout_case,
                             import_rbac_sample, kHttpTimeoutSeconds, kPersistent,
                             kSmartcardPki, log_out_at_sp)

kSimpleSamlPhp = "/usr/share/simplesamlphp"
kRsaSha256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"

kWhoamiPage = f"""<?php
require_once('{kSimpleSamlPhp}/lib/_autoload.php');
$source = new \\SimpleSAML\\Auth\\Simple('default-sp');
$source->requireAuth();
$nameId = $source->getAuthData('saml:sp:NameID');
header('Content-Type: application/json');
echo json_encode([
    'attributes' => $source->getAttributes(),
    'name_id' => $nameId->getValue(),
    'name_id_format' => $nameId->getFormat(),
    'authn_context' => $source->getAuthData('saml:sp:AuthnContext'),
    'idp' => $source->getAuthData('saml:sp:IdP'),
]);
"""

kLogoutPage = """<?php
require_once('%(ssp)s/lib/_autoload.php');
$source = new \\SimpleSAML\\Auth\\Simple('default-sp');
if (isset($_GET['done'])) {
    header('Content-Type: text/plain');
    echo $source->isAuthenticated() ? 'still signed in' : 'signed out';
    exit;
}
$source->logout(['ReturnTo' => '%(base)s/app/logout.php?done=1']);
"""


class SimpleSamlPhpSp(ApacheSp):
    """Apache with mod_php serving SimpleSAMLphp and the test application on a loopback port.

    The folders that SimpleSAMLphp writes (sessions, cache, log) are group-writable for
    Apache's children.
    """

    kWritableFolders = ("sessions", "tmp", "log", "data")

    def __init__(self, directory, work_dir):
        super().__init__(directory, work_dir, "SimpleSAMLphp")
        self.entity_id = f"{self.base_url}/simplesaml/module.php/saml/sp/metadata.php/default-sp"
        self.protected_url = f"{self.base_url}/app/whoami.php"
        self.metadata_path = os.path.join(directory, "simplesamlphp-metadata.xml")
        self.idp_metadata_path = os.path.join(directory, "idp-metadata.xml")
        self.log_path = os.path.join(directory, "log", "simplesamlphp.log")
        for name in ("config", "app") + self.kWritableFolders:
            os.makedirs(os.path.join(directory, name), exist_ok=True)

    def write_metadata(self):
        """Start Apache and save the SP metadata that SimpleSAMLphp publishes."""
        self.start()
        response = requests.get(self.entity_id, timeout=kHttpTimeoutSeconds)
        check_equal(response.status_code, 200, f"GET {self.entity_id} status")
        check(re.match(r"\s*(<\?xml[^>]*\?>\s*)?<md:EntityDescriptor\b", response.text),
              f"SimpleSAMLphp's SP metadata page is not metadata:\n{response.text[:600]}\n"
              f"log:\n{harness.tail(self.log_path, 20)}")
        with open(self.metadata_path, "w") as handle:
            handle.write(response.text)
        return self.metadata_path

    def set_idp(self, entity_id):
        """Name the IdP that the auth source signs on with; careidd's metadata is already in
        idp-metadata.xml."""
        with open(os.path.join(self.directory, "config", "idp-entity-id"), "w") as handle:
            handle.write(entity_id)

    def _write_cgi(self):
        pages = {"whoami.php": kWhoamiPage,
                 "logout.php": kLogoutPage % {"ssp": kSimpleSamlPhp, "base": self.base_url}}
        for name, text in pages.items():
            with open(os.path.join(self.directory, "app", name), "w") as handle:
                handle.write(text)
        self._write_simplesamlphp_config()

    def _httpd_conf(self):
        d = self.directory
        return f"""{self._config_head(["mpm_prefork", "authz_core", "alias", "env"], "info")}
LoadModule php_module {php_module_path()}
SetEnv SIMPLESAMLPHP_CONFIG_DIR "{d}/config"
<FilesMatch "\\.php$">
    SetHandler application/x-httpd-php
</FilesMatch>

Alias /simplesaml "{kSimpleSamlPhp}/www"
<Directory "{kSimpleSamlPhp}/www">
    Require all granted
</Directory>
Alias /app "{d}/app"
<Directory "{d}/app">
    Require all granted
</Directory>
"""

    def _grant_to_apache_user(self):
        super()._grant_to_apache_user()
        if os.geteuid() == 0:
            for name in self.kWritableFolders:
                os.chmod(os.path.join(self.directory, name), 0o770)

    def _write_simplesamlphp_config(self):
        d = self.directory
        config = f"""<?php
$config = [
    'baseurlpath' => '{self.base_url}/simplesaml/',
    'certdir' => '{d}/',
    'loggingdir' => '{d}/log/',
    'datadir' => '{d}/data/',
    'tempdir' => '{d}/tmp',
    'metadatadir' => '{d}/config/',
    'metadata.sources' => [['type' => 'xml', 'file' => '{self.idp_metadata_path}']],
    'technicalcontact_name' => 'careid e2e',
    'technicalcontact_email' => 'e2e@example.invalid',
    'secretsalt' => '{secrets.token_hex(16)}',
    'auth.adminpassword' => '{secrets.token_hex(16)}',
    'timezone' => 'UTC',
    'logging.level' => SimpleSAML\\Logger::DEBUG,
    'logging.handler' => 'file',
    'logging.logfile' => 'simplesamlphp.log',
    'enable.saml20-idp' => false,
    'module.enable' => ['core' => true, 'saml' => true],
    'store.type' => 'phpsession',
    'session.phpsession.savepath' => '{d}/sessions',
    'session.cookie.secure' => false,
    'session.cookie.samesite' => null,
    'language.cookie.secure' => false,
    'production' => false,
    'showerrors' => true,
];
"""
        # The IdP's entity ID is known only once careidd has its port, so the auth source
        # reads it from a file at each request.
        authsources = f"""<?php
$idpFile = __DIR__ . '/idp-entity-id';
$config = [
    'default-sp' => [
        'saml:SP',
        'entityID' => null,
        'idp' => is_file($idpFile) ? trim(file_get_contents($idpFile)) : null,
        'privatekey' => '{self.key_path}',
        'certificate' => '{self.cert_path}',
        'NameIDPolicy' => ['Format' => '{kPersistent}', 'AllowCreate' => true],
        'sign.authnrequest' => true,
        'sign.logout' => true,
        'signature.algorithm' => '{kRsaSha256}',
        'assertion.encryption' => true,
    ],
];
"""
        for name, text in (("config.php", config), ("authsources.php", authsources)):
            with open(os.path.join(d, "config", name), "w") as handle:
                handle.write(text)


def php_module_path():
    """Return the path of Debian's mod_php (libapache2-mod-php8.2 in Debian 12)."""
    folder = "/usr/lib/apache2/modules"
    names = sorted(name for name in os.listdir(folder)
                   if name.startswith("libphp") and name.endswith(".so"))
    if not names:
        raise harness.StartupError(f"no libphp*.so in {folder}; install libapache2-mod-php")
    return os.path.join(folder, names[-1])


def prepare(context):
    context.sp = SimpleSamlPhpSp(context.subdir("simplesamlphp"), context.work_dir)
    context.cleanups.append(context.sp.stop)
    return [context.sp.write_metadata()]


def started_sp(context):
    """Import the RBAC sample and give the SP careidd's metadata, once."""
    sp = context.sp
    if not getattr(context, "sp_ready", False):
        import_rbac_sample(context)
        fetch_idp_metadata(context.careid, sp.idp_metadata_path)
        sp.set_idp(f"{context.careid.https_url}/saml/metadata")
        context.sp_ready = True
    return sp


def sign_on(context, sp, browser):
    """Sign on from the application page; return the JSON that it shows."""
    page = browser.visit(sp.protected_url)
    check_equal(page.status_code, 200, f"application page after sign-on (body: "
                                       f"{page.text[:800]!r}); SimpleSAMLphp log:\n"
                                       f"{harness.tail(sp.log_path, 20)}")
    check_equal(page.url, sp.protected_url, "page after sign-on")
    return page.json()


def test_sso_with_demo_card(context):
    sp = started_sp(context)
    browser = CardBrowser(context.careid)
    session = sign_on(context, sp, browser)

    check(browser.saml_messages("Signature"), "SimpleSAMLphp did not sign the AuthnRequest")
    check_equal(browser.saml_messages("SigAlg"), [kRsaSha256], "SigAlg")
    responses = browser.posted_responses()
    check_equal(len(responses), 1, "SAMLResponses posted to the SP")
    check_encrypted_assertion(responses[0])
    check_nhs_attributes(session["attributes"], "SimpleSAMLphp's attributes")
    check_equal(session["name_id_format"], kPersistent, "NameID Format")
    check_equal(len(session["name_id"]), 43, f"persistent NameID {session['name_id']!r}")
    check_equal(session["authn_context"], kSmartcardPki, "AuthnContextClassRef")
    check_equal(session["idp"], f"{context.careid.https_url}/saml/metadata", "IdP entity ID")


def test_single_logout_from_sp(context):
    """logout.php sends a signed LogoutRequest; careidd ends its session and SimpleSAMLphp
    accepts careidd's signed LogoutResponse."""
    sp = started_sp(context)
    browser = CardBrowser(context.careid)
    sign_on(context, sp, browser)

    done = log_out_at_sp(context.careid, browser, f"{sp.base_url}/app/logout.php",
                         sp.protected_url)
    check_equal(done.text, "signed out", "application page after Single Logout")


kCases = [
    test_sso_with_demo_card,
    test_single_logout_from_sp,
    idp_logout_case(started_sp, sign_on),
]

if __name__ == "__main__":
    harness.main("saml_simplesamlphp", kCases, prepare=prepare)
