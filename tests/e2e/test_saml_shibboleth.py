"""SAML single sign-on from Apache 2.4 with mod_shib and shibd (Shibboleth SP 3.4) to careidd.

shibd runs in the foreground with its configuration, socket, logs and in-memory caches in
the script's temporary folder, and Apache's mod_shib talks to it over that socket. The SP
metadata comes from Shibboleth's own `shib-metagen`. Its KeyDescriptor has no `use`, so the
one RSA SP key signs and decrypts (SAML Metadata 2.4.1.1). careid.toml has no encryption
setting for the SP, so careidd's default encrypts the assertion (AES-256-GCM with
RSA-OAEP) to that key, and shibd decrypts it. A CGI at /protected/whoami
prints the attributes that mod_shib exports. /Shibboleth.sso/Logout starts Single Logout.

With Shibboleth's defaults, shibd signs its LogoutRequests, which careid requires, but no
AuthnRequest. This SP sets `signing="front"`, so that its AuthnRequests are signed too.
"""

import os
import shutil
import sys
import time

# Keep __pycache__ out of the source tree.
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
from harness import check, check_equal, check_in, run  # noqa: E402
from saml_sp_support import (ApacheSp, CardBrowser, check_encrypted_assertion,  # noqa: E402
                             check_nhs_attributes, fetch_idp_metadata, idp_logout_case,
                             import_rbac_sample, kPersistent, kSmartcardPki, log_out_at_sp)

kShibdStartSeconds = 30.0
kBasic = "urn:oasis:names:tc:SAML:2.0:attrname-format:basic"
kNhsAttributes = ["uid", "cn", "mail", "nhsRoleProfileId", "nhsOrgCode", "nhsJobRoleCode",
                  "nhsJobRoleName", "nhsActivityCode", "nhsWorkgroup"]
# The CGI returns its environment, where mod_shib puts the attributes, as JSON.
kCgiScript = """#!/usr/bin/python3
import json, os
print("Content-Type: application/json\\r\\n\\r\\n" + json.dumps(dict(os.environ)))
"""


class ShibbolethSp(ApacheSp):
    """Apache with mod_shib, and shibd, protecting /protected/ on a loopback port.

    Everything lives in `directory`.
    """

    cgi_script = kCgiScript

    def __init__(self, directory, work_dir):
        super().__init__(directory, work_dir, "Shibboleth")
        self.entity_id = f"{self.base_url}/shibboleth"
        self.idp_entity_id = None
        self.protected_url = f"{self.base_url}/protected/whoami"
        self.metadata_path = os.path.join(directory, "shibboleth-metadata.xml")
        self.idp_metadata_path = os.path.join(directory, "idp-metadata.xml")
        self.shibd_log = os.path.join(directory, "shibd.log")
        self.socket_path = os.path.join(directory, "run", "shibd.sock")
        self.shibd = None

    def write_metadata(self):
        """Let shib-metagen write the SP metadata: SAML 2.0 with Single Logout, plain HTTP."""
        code, out, err = run(["shib-metagen", "-2", "-L", "-c", self.cert_path,
                              "-n", f"127.0.0.1:{self.port}", "-e", self.entity_id])
        check_equal(code, 0, f"shib-metagen exit code (stderr: {err.strip()})")
        with open(self.metadata_path, "w") as handle:
            handle.write(out)
        return self.metadata_path

    def start(self):
        self._write_shibboleth_config()
        self._start_shibd()
        super().start()

    def stop(self):
        super().stop()
        if self.shibd is not None:
            self.shibd.stop()
            self.shibd = None

    def _start_shibd(self):
        config = os.path.join(self.directory, "shibboleth2.xml")
        code, out, err = run(["shibd", "-t", "-c", config])
        check_equal(code, 0, f"shibd -t exit code (output: {out.strip()} {err.strip()})")
        self.shibd = harness.ManagedProcess(
            "shibd", ["shibd", "-F", "-f", "-c", config, "-p",
                      os.path.join(self.directory, "run", "shibd.pid")],
            self.shibd_log, env=self._environment())

        deadline = time.monotonic() + kShibdStartSeconds
        while not os.path.exists(self.socket_path):
            if not self.shibd.running() or time.monotonic() > deadline:
                raise harness.StartupError(f"shibd did not create {self.socket_path}; log:\n"
                                           f"{harness.tail(self.shibd_log)}")
            time.sleep(0.1)

    def _httpd_conf(self):
        d = self.directory
        modules = ["mpm_prefork", "authn_core", "authz_core", "authz_user", "alias", "cgi",
                   "env"]
        return f"""{self._config_head(modules, "info")}
LoadModule mod_shib /usr/lib/apache2/modules/mod_shib.so
ShibConfig "{d}/shibboleth2.xml"
ShibCompatValidUser Off

<Location /Shibboleth.sso>
    SetHandler shib
    AuthType None
    Require all granted
</Location>

ScriptAlias /protected/ "{d}/cgi-bin/"
<Directory "{d}/cgi-bin">
    Options +ExecCGI
    AuthType shibboleth
    ShibRequestSetting requireSession 1
    Require shib-session
</Directory>
"""

    def _write_shibboleth_config(self):
        d = self.directory
        files = {
            "shibboleth2.xml": self._shibboleth2_xml(),
            "attribute-map.xml": attribute_map_xml(),
            "shibd.logger": logger_properties("shibd_log", None),
            "native.logger": logger_properties("native_log", os.path.join(d, "native.log")),
        }
        for name, text in files.items():
            with open(os.path.join(d, name), "w") as handle:
                handle.write(text)
        for name in ("security-policy.xml", "protocols.xml", "postTemplate.html",
                     "bindingTemplate.html", "sessionError.html", "localLogout.html",
                     "globalLogout.html", "partialLogout.html", "metadataError.html",
                     "sslError.html", "attrChecker.html", "discoveryTemplate.html"):
            shutil.copyfile(os.path.join("/etc/shibboleth", name), os.path.join(d, name))

    def _shibboleth2_xml(self):
        d = self.directory
        return f"""<SPConfig xmlns="urn:mace:shibboleth:3.0:native:sp:config"
    xmlns:conf="urn:mace:shibboleth:3.0:native:sp:config" clockSkew="180">
  <OutOfProcess logger="{d}/shibd.logger"/>
  <InProcess logger="{d}/native.logger"/>
  <UnixListener address="{self.socket_path}"/>
  <RequestMapper type="Native">
    <RequestMap><Host name="127.0.0.1" port="{self.port}" scheme="http"/></RequestMap>
  </RequestMapper>
  <ApplicationDefaults entityID="{self.entity_id}" REMOTE_USER="persistent-id"
      signing="front" homeURL="{self.base_url}/">
    <Sessions lifetime="28800" timeout="3600" relayState="ss:mem" checkAddress="false"
        handlerSSL="false" cookieProps="; path=/; HttpOnly" redirectLimit="exact">
      <SSO entityID="{self.idp_entity_id}">SAML2</SSO>
      <Logout>SAML2 Local</Logout>
    </Sessions>
    <Errors supportContact="root@localhost" styleSheet="/shibboleth-sp/main.css"/>
    <MetadataProvider type="XML" validate="true" path="{self.idp_metadata_path}"/>
    <AttributeExtractor type="XML" validate="true" path="{d}/attribute-map.xml"/>
    <CredentialResolver type="File" key="{self.key_path}" certificate="{self.cert_path}"/>
  </ApplicationDefaults>
  <SecurityPolicyProvider type="XML" validate="true" path="{d}/security-policy.xml"/>
  <ProtocolProvider type="XML" validate="true" path="{d}/protocols.xml"/>
</SPConfig>
"""


def attribute_map_xml():
    """Map careid's attributes to mod_shib variables of the same name, and the persistent
    NameID to `persistent-id`."""
    attributes = "\n".join(f'  <Attribute name="{name}" nameFormat="{kBasic}" id="{name}"/>'
                           for name in kNhsAttributes)
    return f"""<Attributes xmlns="urn:mace:shibboleth:2.0:attribute-map"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <Attribute name="{kPersistent}" id="persistent-id">
    <AttributeDecoder xsi:type="NameIDAttributeDecoder"
        formatter="$NameQualifier!$SPNameQualifier!$Name" defaultQualifiers="true"/>
  </Attribute>
{attributes}
</Attributes>
"""


def logger_properties(appender, path):
    """log4shib properties: INFO to stdout (path None) or to the file `path`."""
    if path is None:
        target = f"log4j.appender.{appender}=org.apache.log4j.ConsoleAppender\n"
    else:
        target = (f"log4j.appender.{appender}=org.apache.log4j.FileAppender\n"
                  f"log4j.appender.{appender}.fileName={path}\n")
    return (f"log4j.rootCategory=INFO, {appender}\n{target}"
            f"log4j.appender.{appender}.layout=org.apache.log4j.PatternLayout\n"
            f"log4j.appender.{appender}.layout.ConversionPattern=%d %p %c %x: %m%n\n")


def prepare(context):
    context.sp = ShibbolethSp(context.subdir("shibboleth"), context.work_dir)
    return [context.sp.write_metadata()]


def started_sp(context):
    """Import the RBAC sample, give the SP careidd's metadata and start it, once."""
    sp = context.sp
    if sp.shibd is None:
        import_rbac_sample(context)
        fetch_idp_metadata(context.careid, sp.idp_metadata_path)
        sp.idp_entity_id = f"{context.careid.https_url}/saml/metadata"
        context.cleanups.append(sp.stop)
        sp.start()
    return sp


def sign_on(context, sp, browser):
    """Sign on from the protected page; return the CGI's environment."""
    page = browser.visit(sp.protected_url)
    check_equal(page.status_code, 200, f"protected page after sign-on (body: "
                                       f"{page.text[:500]!r}); shibd log:\n"
                                       f"{harness.tail(sp.shibd_log, 20)}")
    check_equal(page.url, sp.protected_url, "page after sign-on")
    return page.json()


def shibboleth_attributes(variables):
    """Return mod_shib's attributes as {name: [values]}, splitting its ';'-joined values."""
    return {name: variables[name].split(";") for name in kNhsAttributes
            if variables.get(name)}


def test_sso_with_demo_card(context):
    sp = started_sp(context)
    browser = CardBrowser(context.careid)
    variables = sign_on(context, sp, browser)

    check(browser.saml_messages("Signature"), "Shibboleth did not sign the AuthnRequest")
    responses = browser.posted_responses()
    check_equal(len(responses), 1, "SAMLResponses posted to the SP")
    check_encrypted_assertion(responses[0])
    check_nhs_attributes(shibboleth_attributes(variables), "mod_shib's variables")
    # Apache's CGI turns the hyphens of mod_shib's variable names into underscores.
    check_equal(variables.get("Shib_AuthnContext_Class"), kSmartcardPki,
                "Shib_AuthnContext_Class")
    persistent = variables.get("persistent_id", "")
    idp_entity_id, sp_entity_id, name_id = (persistent.split("!") + ["", "", ""])[:3]
    check_equal(idp_entity_id, sp.idp_entity_id, f"NameQualifier in {persistent!r}")
    check_equal(sp_entity_id, sp.entity_id, f"SPNameQualifier in {persistent!r}")
    check_equal(len(name_id), 43, f"persistent NameID in {persistent!r}")
    check_equal(variables.get("REMOTE_USER"), persistent, "REMOTE_USER")


def test_single_logout_from_sp(context):
    """/Shibboleth.sso/Logout sends a signed LogoutRequest; careidd ends its session and
    shibd accepts careidd's signed LogoutResponse."""
    sp = started_sp(context)
    browser = CardBrowser(context.careid)
    sign_on(context, sp, browser)

    done = log_out_at_sp(context.careid, browser, f"{sp.base_url}/Shibboleth.sso/Logout",
                         sp.protected_url)
    slo_url = f"{context.careid.https_url}/saml/slo?SAMLRequest="
    logout_requests = browser.redirect_queries(slo_url)
    check_equal(len(logout_requests), 1, "LogoutRequests from shibd")
    check_in("Signature", logout_requests[0], "shibd's LogoutRequest")
    check_in("Logout completed successfully", done.text, "Shibboleth's logout page")


kCases = [
    test_sso_with_demo_card,
    test_single_logout_from_sp,
    idp_logout_case(started_sp, sign_on),
]

if __name__ == "__main__":
    harness.main("saml_shibboleth", kCases, prepare=prepare)
