"""SAML single sign-on from Debian's python3-pysaml2 (a real SP library) to careidd.

pysaml2 writes the SP's metadata (signing and encryption keys) that `demo setup` registers,
then builds signed AuthnRequests over HTTP-Redirect and HTTP-POST. python3-requests plays
the browser with the demo card and chooses a role when careidd shows its role page. pysaml2
then parses the Response: it decrypts the EncryptedAssertion with the SP key, checks the
assertion's signature against careidd's metadata, InResponseTo, audience and lifetime, and
the test reads the NHS attributes. The ACS URL points at a loopback port where nothing
listens, because the test takes the SAMLResponse from careidd's form.
"""

import base64
import os
import re
import sys

# Keep __pycache__ out of the source tree.
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import requests  # noqa: E402
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT  # noqa: E402
from saml2.client import Saml2Client  # noqa: E402
from saml2.config import SPConfig  # noqa: E402
from saml2.metadata import create_metadata_string  # noqa: E402
from saml2.saml import NAMEID_FORMAT_PERSISTENT  # noqa: E402
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256  # noqa: E402

from harness import check, check_equal, check_in, free_port, kDemoUid, main, run  # noqa: E402
from saml_forms import parse_form  # noqa: E402

kSpBase = f"http://127.0.0.1:{free_port()}"
kSpEntityId = f"{kSpBase}/pysaml2/metadata"
kAcsUrl = f"{kSpBase}/pysaml2/acs"
kRoleCodePattern = re.compile(r"^S\d+:G\d+:R\d+$")
kNhsAttributes = ["uid", "cn", "nhsRoleProfileId", "nhsOrgCode", "nhsJobRoleCode",
                  "nhsJobRoleName"]


def base_sp_config(entity_id, folder):
    """The settings every pysaml2 SP of these tests shares: RSA-SHA256 signatures and one key
    in `folder` for signing and decryption."""
    key = os.path.join(folder, "sp-key.pem")
    cert = os.path.join(folder, "sp-cert.pem")
    return {
        "entityid": entity_id,
        "key_file": key,
        "cert_file": cert,
        "encryption_keypairs": [{"key_file": key, "cert_file": cert}],
        "xmlsec_binary": "/usr/bin/xmlsec1",
        "allow_unknown_attributes": True,
        "signing_algorithm": SIG_RSA_SHA256,
        "digest_algorithm": DIGEST_SHA256,
    }


def sp_config(folder, idp_metadata=None):
    """pysaml2's SP configuration: RSA-SHA256 signatures, one key for signing and decryption."""
    config = base_sp_config(kSpEntityId, folder)
    config.update({
        "service": {"sp": {
            "endpoints": {"assertion_consumer_service": [(kAcsUrl, BINDING_HTTP_POST)]},
            "authn_requests_signed": True,
            "want_assertions_signed": True,
            "want_response_signed": False,
            "name_id_format": NAMEID_FORMAT_PERSISTENT,
        }},
    })
    if idp_metadata:
        config["metadata"] = {"local": [idp_metadata]}
    sp = SPConfig()
    sp.load(config)
    return sp


def prepare(context):
    """Create the SP key and let pysaml2 write the metadata that `demo setup` registers."""
    folder = context.subdir("pysaml2")
    code, _, err = run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                        "-subj", "/CN=pysaml2 SP", "-keyout", os.path.join(folder, "sp-key.pem"),
                        "-out", os.path.join(folder, "sp-cert.pem")])
    check_equal(code, 0, f"openssl exit code (stderr: {err.strip()})")
    metadata = create_metadata_string(None, config=sp_config(folder), valid=2)
    path = os.path.join(folder, "sp-metadata.xml")
    with open(path, "wb") as handle:
        handle.write(metadata)
    return [path]


def client(context):
    """A Saml2Client that trusts careidd's metadata, fetched once per script."""
    folder = context.subdir("pysaml2")
    idp_metadata = os.path.join(folder, "idp-metadata.xml")
    if not os.path.exists(idp_metadata):
        response = requests.get(f"{context.careid.https_url}/saml/metadata",
                                verify=context.careid.server_ca, timeout=10)
        check_equal(response.status_code, 200, "GET /saml/metadata status")
        with open(idp_metadata, "w") as handle:
            handle.write(response.text)
    return Saml2Client(config=sp_config(folder, idp_metadata))


def browser(context):
    """A requests session with the demo card; it keeps careidd's session cookie."""
    cert, key, _ = context.careid.card()
    session = requests.Session()
    session.cert = (cert, key)
    session.verify = context.careid.server_ca
    return session


def saml_form(context, session, response):
    """Return careidd's SAML form, choosing the first role if the role page comes first.

    verify and cert go on each request because requests lets REQUESTS_CA_BUNDLE from the
    environment override a Session's verify.
    """
    check_equal(response.status_code, 200, f"careidd SSO status (body: {response.text[:300]!r})")
    form = parse_form(response.text)
    if form.action == "/saml/role":
        chosen = session.post(f"{context.careid.https_url}/saml/role",
                              data={"csrf_token": form.fields["csrf_token"],
                                    "role": form.fields["role"]},
                              verify=session.verify, cert=session.cert, timeout=20)
        check_equal(chosen.status_code, 200, "POST /saml/role status")
        form = parse_form(chosen.text)
    check_equal(form.action, kAcsUrl, "SAML form action")
    check_in("SAMLResponse", form.fields, "SAML form fields")
    return form


def check_login(saml_client, form, request_id, relay_state):
    """Let pysaml2 validate the Response and check the NameID and NHS attributes."""
    check_equal(form.fields.get("RelayState"), relay_state, "RelayState returned")
    response = saml_client.parse_authn_request_response(
        form.fields["SAMLResponse"], BINDING_HTTP_POST, outstanding={request_id: "/"})
    check(response is not None, "pysaml2 returned no response")
    check(response.assertion is not None, "pysaml2 found no assertion")
    name_id = response.name_id
    check_equal(name_id.format, NAMEID_FORMAT_PERSISTENT, "NameID Format")
    check(len(name_id.text) == 43, f"persistent NameID {name_id.text!r}")
    attributes = response.ava
    for name in kNhsAttributes:
        check(attributes.get(name), f"attribute {name} missing from {sorted(attributes)}")
    check_equal(attributes["uid"], [kDemoUid], "uid attribute")
    check(kRoleCodePattern.match(attributes["nhsJobRoleCode"][0]),
          f"nhsJobRoleCode {attributes['nhsJobRoleCode']!r}")
    return response


def idp_entity_id(context):
    return f"{context.careid.https_url}/saml/metadata"


def test_signed_redirect_request(context):
    saml_client = client(context)
    request_id, info = saml_client.prepare_for_authenticate(
        entityid=idp_entity_id(context), relay_state="redirect-relay",
        binding=BINDING_HTTP_REDIRECT, sign=True, sigalg=SIG_RSA_SHA256)
    location = dict(info["headers"])["Location"]
    check(location.startswith(f"{context.careid.https_url}/saml/sso?"), f"location {location}")
    check_in("Signature=", location, "pysaml2 signs the Redirect query")

    session = browser(context)
    response = session.get(location, verify=session.verify, cert=session.cert, timeout=20)
    form = saml_form(context, session, response)
    check_login(saml_client, form, request_id, "redirect-relay")


def test_signed_post_request(context):
    saml_client = client(context)
    request_id, info = saml_client.prepare_for_authenticate(
        entityid=idp_entity_id(context), relay_state="post-relay", binding=BINDING_HTTP_POST,
        sign=True, sigalg=SIG_RSA_SHA256, digest_alg=DIGEST_SHA256)
    page = parse_form(info["data"])
    check_equal(page.action, f"{context.careid.https_url}/saml/sso", "POST form action")
    check_in("SAMLRequest", page.fields, "POST form fields")

    session = browser(context)
    response = session.post(page.action, data=page.fields, verify=session.verify,
                            cert=session.cert, timeout=20)
    form = saml_form(context, session, response)
    check_login(saml_client, form, request_id, "post-relay")


def test_tampered_post_request_rejected(context):
    """A signed POST request changed after signing gets HTTP 400 naming the signature."""
    saml_client = client(context)
    _, info = saml_client.prepare_for_authenticate(
        entityid=idp_entity_id(context), binding=BINDING_HTTP_POST, sign=True,
        sigalg=SIG_RSA_SHA256, digest_alg=DIGEST_SHA256)
    page = parse_form(info["data"])
    xml = base64.b64decode(page.fields["SAMLRequest"]).decode()
    check_in(kAcsUrl, xml, "AuthnRequest AssertionConsumerServiceURL")
    # careidd checks the signature before the ACS URL, so the 400 names the signature.
    tampered = xml.replace(kAcsUrl, f"{kSpBase}/pysaml2/other")
    page.fields["SAMLRequest"] = base64.b64encode(tampered.encode()).decode()

    session = browser(context)
    response = session.post(page.action, data=page.fields, verify=session.verify,
                            cert=session.cert, timeout=20)
    check_equal(response.status_code, 400, "tampered POST AuthnRequest status")
    check_in("signature", response.text, "the 400 page")


kCases = [
    test_signed_redirect_request,
    test_signed_post_request,
    test_tampered_post_request_rejected,
]

if __name__ == "__main__":
    main("saml_pysaml2", kCases, prepare=prepare)
