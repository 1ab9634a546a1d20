"""SAML single sign-on over the HTTP-Artifact binding, with Debian's python3-pysaml2 as SP.

Two pysaml2 SPs write their metadata, which `demo setup` registers. The first lists only an
HTTP-Artifact AssertionConsumerService and signs its ArtifactResolve. The second lists an
HTTP-POST and an HTTP-Artifact endpoint and authenticates its ArtifactResolve with its TLS
client certificate, because careid.toml lists it in `saml.artifact_tls_client_auth_for`.
python3-requests plays the browser with the demo card and receives careidd's form with
SAMLart. pysaml2 then finds careidd's ArtifactResolutionService in the IdP metadata, sends
the ArtifactResolve over SOAP with careidd's CA, checks careidd's signature on the
ArtifactResponse, decrypts the Response inside and reads the NHS attributes. The ACS URLs
point at loopback ports where nothing listens, because the test takes SAMLart from
careidd's form.
"""

import base64
import os
import sys
import xml.etree.ElementTree as ElementTree

# Keep __pycache__ out of the source tree.
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import requests  # noqa: E402
from saml2 import BINDING_HTTP_ARTIFACT, BINDING_HTTP_POST, BINDING_HTTP_REDIRECT  # noqa: E402
from saml2 import extension_elements_to_elements, saml, samlp  # noqa: E402
from saml2.client import Saml2Client  # noqa: E402
from saml2.config import SPConfig  # noqa: E402
from saml2.metadata import create_metadata_string  # noqa: E402
from saml2.response import ArtifactResponse  # noqa: E402
from saml2.saml import NAMEID_FORMAT_PERSISTENT  # noqa: E402
from saml2.sigver import SignatureError  # noqa: E402
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256  # noqa: E402

from harness import check, check_equal, check_in, free_port, kDemoUid, main, run  # noqa: E402
from saml_forms import parse_form  # noqa: E402
from saml_sp_support import CardBrowser  # noqa: E402
from test_saml_pysaml2 import base_sp_config  # noqa: E402

kSamlp = "urn:oasis:names:tc:SAML:2.0:protocol"
kSoap = "http://schemas.xmlsoap.org/soap/envelope/"
kSuccess = "urn:oasis:names:tc:SAML:2.0:status:Success"
kRequestDenied = "urn:oasis:names:tc:SAML:2.0:status:RequestDenied"
kNhsAttributes = ["uid", "cn", "nhsRoleProfileId", "nhsOrgCode", "nhsJobRoleCode",
                  "nhsJobRoleName"]


class ArtifactSp:
    """One pysaml2 SP on a free loopback port (nothing listens there)."""

    def __init__(self, name, artifact_only):
        self.name = name
        base = f"http://127.0.0.1:{free_port()}"
        self.entity_id = f"{base}/{name}/metadata"
        self.artifact_acs = f"{base}/{name}/artifact"
        self.endpoints = [(self.artifact_acs, BINDING_HTTP_ARTIFACT)]
        if not artifact_only:
            self.endpoints.insert(0, (f"{base}/{name}/acs", BINDING_HTTP_POST))
        self.folder = None

    def config(self, context, idp_metadata=None):
        """pysaml2's configuration: RSA-SHA256, one key for signing, decryption and TLS."""
        config = base_sp_config(self.entity_id, self.folder)
        config.update({
            # The ArtifactResolve goes to careidd over HTTPS, checked against its CA. pysaml2
            # presents key_file and cert_file as the TLS client certificate.
            "verify_ssl_cert": True,
            "service": {"sp": {
                "endpoints": {"assertion_consumer_service": self.endpoints},
                "authn_requests_signed": True,
                "want_assertions_signed": True,
                "want_response_signed": False,
                "name_id_format": NAMEID_FORMAT_PERSISTENT,
            }},
        })
        if context.careid is not None:
            config["ca_certs"] = context.careid.server_ca
        if idp_metadata:
            config["metadata"] = {"local": [idp_metadata]}
        sp = SPConfig()
        sp.load(config)
        return sp

    def prepare(self, context):
        """Create the SP key and write the metadata that `demo setup` registers."""
        self.folder = context.subdir(self.name)
        code, _, err = run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days",
                            "2", "-subj", f"/CN={self.name} SP", "-keyout",
                            os.path.join(self.folder, "sp-key.pem"), "-out",
                            os.path.join(self.folder, "sp-cert.pem")])
        check_equal(code, 0, f"openssl exit code (stderr: {err.strip()})")
        metadata = create_metadata_string(None, config=self.config(context), valid=2)
        # `demo setup` copies each file by its name, so each SP needs its own.
        path = os.path.join(self.folder, f"{self.name}-metadata.xml")
        with open(path, "wb") as handle:
            handle.write(metadata)
        return path

    def client(self, context):
        """A Saml2Client that trusts careidd's metadata, fetched once."""
        idp_metadata = os.path.join(self.folder, "idp-metadata.xml")
        if not os.path.exists(idp_metadata):
            response = requests.get(f"{context.careid.https_url}/saml/metadata",
                                    verify=context.careid.server_ca, timeout=10)
            check_equal(response.status_code, 200, "GET /saml/metadata status")
            check_in("ArtifactResolutionService", response.text, "careidd's IdP metadata")
            with open(idp_metadata, "w") as handle:
                handle.write(response.text)
        return Saml2Client(config=self.config(context, idp_metadata))


kSignedSp = ArtifactSp("artifact-signed", artifact_only=True)
kTlsSp = ArtifactSp("artifact-tls", artifact_only=False)


def prepare(context):
    return [kSignedSp.prepare(context), kTlsSp.prepare(context)]


def configure(context):
    """List the TLS SP in saml.artifact_tls_client_auth_for."""
    config = os.path.join(context.careid.data_dir, "careid.toml")
    with open(config) as handle:
        text = handle.read()
    line = f'artifact_tls_client_auth_for = ["{kTlsSp.entity_id}"]\n'
    if "\n[saml]\n" in text:
        text = text.replace("\n[saml]\n", "\n[saml]\n" + line, 1)
    else:
        text += "\n[saml]\n" + line
    with open(config, "w") as handle:
        handle.write(text)


def idp_entity_id(context):
    return f"{context.careid.https_url}/saml/metadata"


def sign_on(context, sp, saml_client, relay_state):
    """Send a signed Redirect AuthnRequest asking for HTTP-Artifact; return the request ID
    and the fields of careidd's form (SAMLart, RelayState)."""
    request_id, info = saml_client.prepare_for_authenticate(
        entityid=idp_entity_id(context), relay_state=relay_state, binding=BINDING_HTTP_REDIRECT,
        response_binding=BINDING_HTTP_ARTIFACT, sign=True, sigalg=SIG_RSA_SHA256)
    location = dict(info["headers"])["Location"]
    check(location.startswith(f"{context.careid.https_url}/saml/sso?"), f"location {location}")

    browser = CardBrowser(context.careid)
    page = browser.visit(location)
    check_equal(page.status_code, 200, f"careidd SSO status (body: {page.text[:300]!r})")
    form = parse_form(page.text)
    check_equal(form.action, sp.artifact_acs, "artifact form action")
    check_in("SAMLart", form.fields, "artifact form fields")
    check("SAMLResponse" not in form.fields, "careidd's form carries a SAMLResponse")
    check_equal(form.fields.get("RelayState"), relay_state, "RelayState returned")
    check_equal(len(base64.b64decode(form.fields["SAMLart"])), 44, "SAMLart length")
    return request_id, form.fields


def artifact_response(soap_text):
    """Return the ArtifactResponse element of careidd's SOAP reply."""
    envelope = ElementTree.fromstring(soap_text)
    body = envelope.find(f"{{{kSoap}}}Body")
    check(body is not None, f"no SOAP Body in {soap_text[:300]!r}")
    response = body.find(f"{{{kSamlp}}}ArtifactResponse")
    check(response is not None, f"no ArtifactResponse in {soap_text[:300]!r}")
    return response


def status_codes(response):
    code = response.find(f"{{{kSamlp}}}Status/{{{kSamlp}}}StatusCode")
    nested = code.find(f"{{{kSamlp}}}StatusCode")
    return code.get("Value"), None if nested is None else nested.get("Value")


def artifact_response_text(soap_text):
    """Return the samlp:ArtifactResponse element of careidd's reply as the exact characters
    received. careidd declares every namespace it uses on that element, so the text is a
    complete XML element."""
    begin = soap_text.find("<samlp:ArtifactResponse")
    end = soap_text.find("</samlp:ArtifactResponse>")
    check(begin >= 0 and end > begin, f"no ArtifactResponse in {soap_text[:300]!r}")
    return soap_text[begin:end + len("</samlp:ArtifactResponse>")]


def parse_artifact_response(saml_client, text):
    """Return pysaml2's ArtifactResponse for `text`, whose signature it requires."""
    return saml_client._parse_response(
        text, ArtifactResponse, "artifact_resolve", None, asynchop=False,
        entity_id=saml_client.config.entityid,
        attribute_converters=saml_client.config.attribute_converters)


def check_login(context, saml_client, soap_reply, request_id):
    """Let pysaml2 verify careidd's signature on the ArtifactResponse and read the Response
    inside it, then decrypt and validate that Response and check the NameID and the NHS
    attributes.

    pysaml2 7.0's parse_artifact_resolve_response cannot check the signature: it takes the
    ArtifactResponse out of the envelope with ElementTree, whose new namespace prefixes
    (ns0, ns1) change the exclusive c14n octets. So the test hands the element as received
    to the parser that function calls, with the options it uses for the SOAP binding.
    """
    parsed = parse_artifact_response(saml_client, artifact_response_text(soap_reply.text))
    check(parsed is not None, "pysaml2 rejected the ArtifactResponse")
    messages = extension_elements_to_elements(parsed.response.extension_elements, [samlp, saml])
    check_equal(len(messages), 1, "messages in the ArtifactResponse")
    message = messages[0]
    xml = message.to_string()
    response = saml_client.parse_authn_request_response(
        base64.b64encode(xml).decode(), BINDING_HTTP_ARTIFACT, outstanding={request_id: "/"})
    check(response is not None, "pysaml2 returned no response")
    check(response.assertion is not None, "pysaml2 found no assertion")
    check_equal(response.name_id.format, NAMEID_FORMAT_PERSISTENT, "NameID Format")
    attributes = response.ava
    for name in kNhsAttributes:
        check(attributes.get(name), f"attribute {name} missing from {sorted(attributes)}")
    check_equal(attributes["uid"], [kDemoUid], "uid attribute")


def resolve(saml_client, artifact, sign):
    """Send pysaml2's ArtifactResolve for `artifact` and return careidd's HTTP reply."""
    return saml_client.artifact2message(artifact, "idpsso", sign=sign, sign_alg=SIG_RSA_SHA256,
                                        digest_alg=DIGEST_SHA256)


def test_signed_resolve(context):
    """The artifact-only SP gets its Response once; a second resolution gets none."""
    saml_client = kSignedSp.client(context)
    request_id, fields = sign_on(context, kSignedSp, saml_client, "artifact-relay")
    reply = resolve(saml_client, fields["SAMLart"], sign=True)
    check_equal(reply.headers.get("content-type"), "text/xml; charset=utf-8", "SOAP Content-Type")
    check_in("no-store", reply.headers.get("cache-control", ""), "SOAP Cache-Control")
    check_login(context, saml_client, reply, request_id)

    # The signature check is real: a changed InResponseTo fails it.
    text = artifact_response_text(reply.text)
    in_response_to = artifact_response(reply.text).get("InResponseTo")
    tampered = text.replace(f'InResponseTo="{in_response_to}"', 'InResponseTo="_other"', 1)
    try:
        parse_artifact_response(saml_client, tampered)
        check(False, "pysaml2 accepted an ArtifactResponse changed after signing")
    except SignatureError:
        pass

    again = resolve(saml_client, fields["SAMLart"], sign=True)
    response = artifact_response(again.text)
    check_equal(status_codes(response)[0], kSuccess, "status of a second resolution")
    check(response.find(f"{{{kSamlp}}}Response") is None, "a used artifact returned a Response")


def test_unsigned_resolve_denied(context):
    """Without a signature, and not listed for TLS authentication, the SP gets RequestDenied,
    and the artifact still works for a signed request."""
    saml_client = kSignedSp.client(context)
    request_id, fields = sign_on(context, kSignedSp, saml_client, "unsigned")
    denied = artifact_response(resolve(saml_client, fields["SAMLart"], sign=False).text)
    check_equal(status_codes(denied), ("urn:oasis:names:tc:SAML:2.0:status:Requester",
                                       kRequestDenied), "unsigned ArtifactResolve status")
    check(denied.find(f"{{{kSamlp}}}Response") is None, "an unsigned request got a Response")

    check_login(context, saml_client, resolve(saml_client, fields["SAMLart"], sign=True), request_id)


def test_tls_client_certificate(context):
    """The SP listed in artifact_tls_client_auth_for resolves without a signature."""
    saml_client = kTlsSp.client(context)
    request_id, fields = sign_on(context, kTlsSp, saml_client, "tls-relay")
    check_login(context, saml_client, resolve(saml_client, fields["SAMLart"], sign=False), request_id)


def test_other_sp_gets_nothing(context):
    """An artifact issued to one SP, presented by another, returns no Response and is spent."""
    signed_client = kSignedSp.client(context)
    tls_client = kTlsSp.client(context)
    _, fields = sign_on(context, kSignedSp, signed_client, "stolen")
    foreign = artifact_response(resolve(tls_client, fields["SAMLart"], sign=True).text)
    check_equal(status_codes(foreign)[0], kSuccess, "status for another SP's artifact")
    check(foreign.find(f"{{{kSamlp}}}Response") is None, "another SP received the Response")
    owner = artifact_response(resolve(signed_client, fields["SAMLart"], sign=True).text)
    check(owner.find(f"{{{kSamlp}}}Response") is None, "the artifact survived a foreign attempt")


def test_soap_errors(context):
    """Bad SOAP gets a fault with HTTP 500, a wrong method 405 and a form body 415."""
    url = f"{context.careid.https_url}/saml/artifact"
    ca = context.careid.server_ca
    fault = requests.post(url, data="<not-soap/>", headers={"Content-Type": "text/xml"},
                          verify=ca, timeout=10)
    check_equal(fault.status_code, 500, "status for a request that is not SOAP")
    check_in("soap:Client", fault.text, "SOAP fault code")
    get = requests.get(url, verify=ca, timeout=10)
    check_equal(get.status_code, 405, "GET /saml/artifact status")
    form = requests.post(url, data={"a": "b"}, verify=ca, timeout=10)
    check_equal(form.status_code, 415, "form POST to /saml/artifact status")


kCases = [
    test_signed_resolve,
    test_unsigned_resolve_denied,
    test_tls_client_certificate,
    test_other_sp_gets_nothing,
    test_soap_errors,
]

if __name__ == "__main__":
    main("saml_artifact", kCases, prepare=prepare, configure=configure)
