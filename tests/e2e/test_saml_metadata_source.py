"""SP metadata from a URL: careidd fetches a federation's signed metadata over HTTP.

The pysaml2 SP of test_saml_pysaml2.py writes its metadata, which this script wraps in an
md:EntitiesDescriptor with a validUntil and signs with xmlsec1 (the federation's signing
key). A loopback HTTP server in this process serves it, and careid.toml lists it as a
`[[saml.metadata_sources]]` entry, so careidd reads the SP only from that URL. The cases
are a signed login from that SP and a restart while the URL returns 503, served from the
verified copy on disk. Then a tampered document, which careidd rejects at its next refresh
while the SP keeps working. Last, SIGHUP makes careidd fetch the URL again at once.
"""

import http.server
import os
import re
import signal
import sys
import threading
import time

# Keep __pycache__ out of the source tree.
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import check, check_equal, free_port, main, run  # noqa: E402
import test_saml_pysaml2 as pysaml2_sp  # noqa: E402
from saml2 import BINDING_HTTP_REDIRECT  # noqa: E402
from saml2.xmldsig import SIG_RSA_SHA256  # noqa: E402

kRefreshSeconds = 10
kSignatureTemplate = (
    '<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo>'
    '<ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>'
    '<ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>'
    '<ds:Reference URI="#_federation1"><ds:Transforms>'
    '<ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>'
    '<ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></ds:Transforms>'
    '<ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue/>'
    '</ds:Reference></ds:SignedInfo><ds:SignatureValue/><ds:KeyInfo><ds:X509Data>'
    '<ds:X509Certificate/></ds:X509Data></ds:KeyInfo></ds:Signature>')


class MetadataServer:
    """Serves `body` at /federation.xml, or `status` with no body when it is not 200."""

    def __init__(self):
        self.body = b""
        self.status = 200
        self.requests = 0
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's name)
                server.requests += 1
                ok = self.path == "/federation.xml" and server.status == 200
                if ok:
                    code = 200
                elif server.status != 200:
                    code = server.status
                else:
                    code = 404
                self.send_response(code)
                payload = server.body if ok else b""
                self.send_header("Content-Type", "application/samlmetadata+xml")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.port = free_port()
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}/federation.xml"

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def sign_aggregate(folder, sp_metadata_path):
    """Wrap the SP's EntityDescriptor in a signed EntitiesDescriptor; return the bytes."""
    with open(sp_metadata_path) as handle:
        entity = re.sub(r"^<\?xml[^>]*\?>\s*", "", handle.read())
    valid_until = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 86400))
    template = ('<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" '
                f'ID="_federation1" Name="careid-e2e" validUntil="{valid_until}">'
                f'{kSignatureTemplate}{entity}</md:EntitiesDescriptor>')
    template_path = os.path.join(folder, "federation-template.xml")
    signed_path = os.path.join(folder, "federation.xml")
    with open(template_path, "w") as handle:
        handle.write(template)
    key = os.path.join(folder, "federation.key")
    cert = os.path.join(folder, "federation.pem")
    code, _, err = run(["xmlsec1", "--sign", "--privkey-pem", f"{key},{cert}",
                        "--id-attr:ID", "urn:oasis:names:tc:SAML:2.0:metadata:EntitiesDescriptor",
                        "--output", signed_path, template_path])
    check_equal(code, 0, f"xmlsec1 --sign exit code (stderr: {err.strip()})")
    with open(signed_path, "rb") as handle:
        return handle.read()


def prepare(context):
    """Write the pysaml2 SP's metadata and the federation key; register no SP file."""
    sp_metadata = pysaml2_sp.prepare(context)[0]
    folder = context.subdir("federation")
    code, _, err = run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                        "-subj", "/CN=careid e2e federation metadata signer",
                        "-keyout", os.path.join(folder, "federation.key"),
                        "-out", os.path.join(folder, "federation.pem")])
    check_equal(code, 0, f"openssl exit code (stderr: {err.strip()})")
    context.metadata_server = MetadataServer()
    context.signed_metadata = sign_aggregate(folder, sp_metadata)
    context.metadata_server.body = context.signed_metadata
    return None


def configure(context):
    """List the metadata URL as a source with the federation's certificate."""
    folder = context.subdir("federation")
    config = os.path.join(context.careid.data_dir, "careid.toml")
    with open(config, "a") as handle:
        handle.write("\n[[saml.metadata_sources]]\n"
                     'name = "e2e-federation"\n'
                     f'url = "{context.metadata_server.url}"\n'
                     f'signing_certificates = ["{os.path.join(folder, "federation.pem")}"]\n'
                     f"refresh_interval_seconds = {kRefreshSeconds}\n"
                     "timeout_seconds = 5\n")


def login(context):
    """Send a signed Redirect AuthnRequest from the pysaml2 SP and sign in with the demo card."""
    saml_client = pysaml2_sp.client(context)
    request_id, info = saml_client.prepare_for_authenticate(
        entityid=pysaml2_sp.idp_entity_id(context), relay_state="federation-relay",
        binding=BINDING_HTTP_REDIRECT, sign=True, sigalg=SIG_RSA_SHA256)
    location = dict(info["headers"])["Location"]
    session = pysaml2_sp.browser(context)
    response = session.get(location, verify=session.verify, cert=session.cert, timeout=20)
    form = pysaml2_sp.saml_form(context, session, response)
    pysaml2_sp.check_login(saml_client, form, request_id, "federation-relay")


def cache_path(context):
    return os.path.join(context.careid.data_dir, "sp-metadata-cache", "e2e-federation.xml")


def wait_for_log(context, pattern, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with open(context.careid.log_path, errors="replace") as handle:
            if re.search(pattern, handle.read()):
                return
        time.sleep(0.2)
    check(False, f"careidd logged no line matching {pattern!r} within {timeout} s")


def test_login_from_metadata_source(context):
    check(context.metadata_server.requests >= 1, "careidd fetched the metadata URL")
    login(context)
    with open(cache_path(context), "rb") as handle:
        check_equal(handle.read(), context.signed_metadata, "verified copy on disk")


def test_restart_while_url_down(context):
    context.metadata_server.status = 503
    context.careid.stop()
    context.careid.start()
    wait_for_log(context, r"source=e2e-federation outcome=fetch_failed", 20)
    login(context)


def test_tampered_metadata_rejected(context):
    tampered = context.signed_metadata.replace(b"pysaml2/acs", b"pysaml2/evil")
    check(tampered != context.signed_metadata, "the ACS URL is in the signed metadata")
    context.metadata_server.body = tampered
    context.metadata_server.status = 200
    wait_for_log(context, r"source=e2e-federation outcome=rejected", kRefreshSeconds * 3 + 10)
    login(context)


def test_sighup_refetches_sources(context):
    """SIGHUP makes careidd fetch every source at once. The refresh interval is raised to an
    hour first, so that no timed refresh can stand in for the one that SIGHUP starts."""
    careid = context.careid
    careid.stop()
    config = os.path.join(careid.data_dir, "careid.toml")
    with open(config) as handle:
        text = handle.read()
    text = text.replace(f"refresh_interval_seconds = {kRefreshSeconds}\n", "refresh_interval_seconds = 3600\n")
    with open(config, "w") as handle:
        handle.write(text)
    context.metadata_server.body = context.signed_metadata
    context.metadata_server.status = 200
    # careidd fetches each source once before it listens, so that fetch is counted here.
    careid.start()

    before = context.metadata_server.requests
    careid.daemon.process.send_signal(signal.SIGHUP)
    wait_for_log(context, r"saml metadata refreshing all 1 sources on request", 20)
    deadline = time.monotonic() + 20
    while context.metadata_server.requests == before and time.monotonic() < deadline:
        time.sleep(0.1)
    check(context.metadata_server.requests > before, "careidd fetched the metadata URL after SIGHUP")
    check(careid.daemon.running(), "careidd runs after SIGHUP")
    login(context)


kCases = [
    test_login_from_metadata_source,
    test_restart_while_url_down,
    test_tampered_metadata_rejected,
    test_sighup_refetches_sources,
]

if __name__ == "__main__":
    main("saml_metadata_source", kCases, prepare=prepare, configure=configure)
