"""careidd's operator interface: --check-config, SIGHUP and a graceful stop on SIGTERM.

--check-config must accept the demo configuration and reject a bad one with a message that
names the key. SIGHUP must leave careidd running and log that reload is not supported.
SIGTERM with an LDAP and an HTTPS connection still open must end careidd with exit code 0
within kStopWithinSeconds. The SIGTERM case runs last because it stops careidd.
"""

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
from hostile_support import anonymous_bind, read_ldap_messages  # noqa: E402

# careidd waits up to 5 s for LDAP sessions to end; the rest is margin for ASan builds.
kStopWithinSeconds = 8.0


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


def test_sighup_keeps_running(context):
    careid = context.careid
    careid.daemon.process.send_signal(signal.SIGHUP)
    careid.daemon.wait_for_lines([r"SIGHUP received: reload not supported yet"], 10)
    check(careid.daemon.running(), "careidd exited on SIGHUP")
    code, output = ldap_tool(careid, "ldapsearch", ["-b", "", "-s", "base", "(objectClass=*)"])
    check_equal(code, 0, f"ldapsearch after SIGHUP; output: {output}")


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

    try:
        started = time.monotonic()
        careid.daemon.process.send_signal(signal.SIGTERM)
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
        careid.stop()


kCases = [
    test_check_config_accepts_demo,
    test_check_config_names_unknown_key,
    test_check_config_names_out_of_range_value,
    test_check_config_missing_file,
    test_sighup_keeps_running,
    test_sigterm_with_open_connections,
]

if __name__ == "__main__":
    harness.main("careidd_signals", kCases)
