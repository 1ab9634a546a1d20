"""careidd's operator interface: --check-config, SIGHUP reload and a graceful stop on SIGTERM.

--check-config must accept the demo configuration and reject a bad one with a message that
names the key. SIGHUP must reload log_level, the SP metadata folder and the OpenID clients
folder, keep the old state of a part whose file is invalid, and keep careidd serving.
SIGTERM with an idle LDAP connection, a half-sent HTTPS request and a large LDAP search in
progress must let the search finish with success, then end careidd with exit code 0 within
kStopWithinSeconds. The SIGTERM case runs last because it stops careidd.
"""

import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import check, check_equal, check_in, ldap_tool, run  # noqa: E402
from hostile_support import anonymous_bind, present_filter, read_ldap_messages, search_request  # noqa: E402
from ldap_wire import MessageReader, kSearchResultDoneTag, simple_bind  # noqa: E402

# careidd waits up to shutdown_timeout_seconds (5 s by default) for LDAP sessions to end;
# the rest is margin for ASan builds.
kStopWithinSeconds = 8.0

kSpMetadata = """<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://reload-sp.invalid/metadata">
  <md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:AssertionConsumerService index="0" isDefault="true"
        Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://reload-sp.invalid/acs"/>
  </md:SPSSODescriptor>
</md:EntityDescriptor>
"""


def config_path(careid):
    return os.path.join(careid.data_dir, "careid.toml")


def check_config(careid, text=None):
    """Run careidd --check-config on the demo file, or on a copy with `text` appended."""
    path = config_path(careid)
    if text is not None:
        with open(path) as handle:
            original = handle.read()
        path = os.path.join(careid.data_dir, "check.toml")
        with open(path, "w") as handle:
            handle.write(original + text)
    return run([careid.careidd, "--config", path, "--check-config"])


def test_check_config_accepts_demo(context):
    code, out, err = check_config(context.careid)
    check_equal(code, 0, f"--check-config exit code; stderr: {err}")
    check_in("OK", out, "--check-config output")


def test_check_config_names_unknown_key(context):
    code, out, err = check_config(context.careid, "\n[saml]\nassertion_lifetime_secs = 300\n")
    check(code != 0, "--check-config accepted an unknown key")
    check_in("saml.assertion_lifetime_secs", err, "--check-config error for an unknown key")


def test_check_config_names_out_of_range_value(context):
    code, out, err = check_config(context.careid, "\n[saml]\nassertion_lifetime_seconds = -1\n")
    check(code != 0, "--check-config accepted a negative assertion lifetime")
    check_in("saml.assertion_lifetime_seconds", err, "--check-config error for a bad value")


def test_check_config_missing_file(context):
    code, out, err = run([context.careid.careidd, "--config",
                          os.path.join(context.work_dir, "missing.toml"), "--check-config"])
    check(code != 0, "--check-config accepted a missing file")
    check_in("missing.toml", err, "--check-config error for a missing file")


def count_lines(careid, text):
    with open(careid.log_path, errors="replace") as handle:
        return handle.read().count(text)


def hang_up(careid, expected):
    """Send SIGHUP and wait until the log has one more line containing `expected`."""
    seen = count_lines(careid, expected)
    careid.daemon.process.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 10
    while count_lines(careid, expected) <= seen:
        check(careid.daemon.running(), "careidd exited on SIGHUP")
        check(time.monotonic() < deadline, f"no new log line with {expected!r} within 10 s of SIGHUP")
        time.sleep(0.1)


def set_log_level(careid, level):
    path = config_path(careid)
    with open(path) as handle:
        text = handle.read()
    text = "\n".join(line for line in text.splitlines() if not line.startswith("log_level ="))
    with open(path, "w") as handle:
        handle.write(f'log_level = "{level}"\n' + text + "\n")


def test_sighup_keeps_running(context):
    careid = context.careid
    hang_up(careid, "SIGHUP received: reloading")
    check(careid.daemon.running(), "careidd exited on SIGHUP")
    code, output = ldap_tool(careid, "ldapsearch", ["-b", "", "-s", "base", "(objectClass=*)"])
    check_equal(code, 0, f"ldapsearch after SIGHUP; output: {output}")


def test_sighup_reloads_log_level(context):
    careid = context.careid
    set_log_level(careid, "debug")
    hang_up(careid, "reload: log_level is debug")
    set_log_level(careid, "loud")
    hang_up(careid, "log_level 'loud' is not one of")
    set_log_level(careid, "info")
    hang_up(careid, "reload: log_level is info")


def test_sighup_reloads_sp_metadata(context):
    careid = context.careid
    folder = os.path.join(careid.data_dir, "sp-metadata")
    before = len([name for name in os.listdir(folder) if name.endswith(".xml")])
    with open(os.path.join(folder, "reload-sp.xml"), "w") as handle:
        handle.write(kSpMetadata)
    hang_up(careid, f"reload: {before + 1} service providers")

    broken = os.path.join(folder, "broken.xml")
    with open(broken, "w") as handle:
        handle.write("<md:EntityDescriptor")
    try:
        hang_up(careid, "keeping the old service providers")
        with open(careid.log_path, errors="replace") as handle:
            check_in("broken.xml", handle.read(), "reload error names the bad file")
    finally:
        os.remove(broken)
    code, out, err = run(["curl", "-sS", "--cacert", careid.server_ca,
                          f"https://127.0.0.1:{careid.https_port}/saml/metadata"])
    check_equal(code, 0, f"metadata after a failed reload; stderr: {err}")
    check_in("EntityDescriptor", out, "metadata after a failed reload")


def authorize_status(careid, client_id):
    """Return the HTTP status of /oidc/authorize for `client_id` with the demo card. The demo
    person has two role profiles, so a registered client gets the role page (200)."""
    certificate, key, _ = careid.card()
    code, out, err = run(["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}",
                          "--cacert", careid.server_ca, "--cert", certificate, "--key", key,
                          f"https://127.0.0.1:{careid.https_port}/oidc/authorize?response_type=code"
                          f"&client_id={client_id}&redirect_uri=https://reload-client.invalid/cb"
                          f"&scope=openid&state=s&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
                          f"&code_challenge_method=S256"])
    check_equal(code, 0, f"curl exit code; stderr: {err}")
    return out


def test_sighup_reloads_oidc_clients(context):
    careid = context.careid
    with open(careid.log_path, errors="replace") as handle:
        if "openid provider off" in handle.read():
            check(False, "the demo configuration has no OpenID provider")
    check_equal(authorize_status(careid, "reload-client"), "400", "authorize for an unknown client")

    folder = os.path.join(careid.data_dir, "oidc-clients")
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "reload-client.json"), "w") as handle:
        json.dump({"client_id": "reload-client", "token_endpoint_auth_method": "none",
                   "redirect_uris": ["https://reload-client.invalid/cb"], "scopes": ["openid"]}, handle)
    hang_up(careid, "OpenID clients from")
    check_equal(authorize_status(careid, "reload-client"), "200", "authorize after the reload")

    broken = os.path.join(folder, "broken.json")
    with open(broken, "w") as handle:
        handle.write("{")
    try:
        hang_up(careid, "keeping the old OpenID clients")
        check_equal(authorize_status(careid, "reload-client"), "200", "authorize after a failed reload")
    finally:
        os.remove(broken)


def test_sigterm_with_open_connections(context):
    careid = context.careid

    # A bound LDAP connection and a TLS connection that has sent half a request stay open.
    ldap = socket.create_connection(("127.0.0.1", careid.ldap_port), timeout=10)
    ldap.sendall(anonymous_bind(1))
    check(read_ldap_messages(ldap, time.monotonic() + 10, 1), "no bindResponse before SIGTERM")
    tls_context = ssl.create_default_context(cafile=careid.server_ca)
    tls_context.check_hostname = False
    https = tls_context.wrap_socket(socket.create_connection(("127.0.0.1", careid.https_port),
                                                             timeout=10))
    https.sendall(b"GET /saml/metadata HTTP/1.1\r\nHost: 127.0.0.1\r\n")

    # A whole-directory search whose results the client does not read yet, so that the
    # server is still streaming it when SIGTERM arrives.
    search = socket.create_connection(("127.0.0.1", careid.ldap_port), timeout=10)
    reader = MessageReader(search)
    search.sendall(simple_bind(1, "cn=admin,o=nhs", careid.admin_password))
    reader.read_final(1, 10)
    search.sendall(search_request(2, "o=nhs", 2, present_filter("objectClass")))
    reader.read_until(lambda messages: len(messages) > 1, 10)

    try:
        started = time.monotonic()
        careid.daemon.process.send_signal(signal.SIGTERM)
        done = reader.read_final(2, kStopWithinSeconds)
        check_equal(done, (kSearchResultDoneTag, 0), "SearchResultDone of the search in progress at SIGTERM")
        check(len(reader.messages) > 1000, f"entries of the search: {len(reader.messages) - 2}")
        try:
            code = careid.daemon.process.wait(timeout=kStopWithinSeconds)
        except subprocess.TimeoutExpired:
            raise harness.CheckFailed(f"careidd still running {kStopWithinSeconds} s after "
                                      f"SIGTERM with open connections")
        elapsed = time.monotonic() - started
        check_equal(code, 0, "careidd exit code after SIGTERM")
        print(f"careidd stopped {elapsed:.2f} s after SIGTERM", flush=True)
        with open(careid.log_path, errors="replace") as handle:
            check_in("received, stopping", handle.read(), "careidd log after SIGTERM")
    finally:
        ldap.close()
        https.close()
        search.close()
        careid.stop()


kCases = [
    test_check_config_accepts_demo,
    test_check_config_names_unknown_key,
    test_check_config_names_out_of_range_value,
    test_check_config_missing_file,
    test_sighup_keeps_running,
    test_sighup_reloads_log_level,
    test_sighup_reloads_sp_metadata,
    test_sighup_reloads_oidc_clients,
    test_sigterm_with_open_connections,
]

if __name__ == "__main__":
    harness.main("careidd_signals", kCases)
