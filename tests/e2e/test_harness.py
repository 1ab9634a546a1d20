"""Self-test of harness.py with stand-in careidctl and careidd scripts, needing no build.

The stand-ins follow the command-line interface that the real tools implement: `demo
setup` writes careid.toml, and the daemon prints its "listening" lines. A `mode` line in
careid.toml makes the stand-in daemon behave well, exit early, or ignore SIGTERM.
"""

import os
import signal
import socket
import sys
import time

# Keep __pycache__ out of the source tree.
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
from harness import check, check_equal, check_in  # noqa: E402

kFakeCareidctl = """#!/usr/bin/python3
import os, sys
args = sys.argv[1:]
value = lambda flag: args[args.index(flag) + 1]
data = value("--data")
os.makedirs(os.path.join(data, "pki"), exist_ok=True)
with open(os.path.join(data, "careid.toml"), "w") as handle:
    handle.write(f"mode = {os.environ.get('FAKE_MODE', 'ok')}\\n"
                 f"ldap = {value('--ldap-port')}\\nhttps = {value('--https-port')}\\n")
with open(os.path.join(data, "admin-password"), "w") as handle:
    handle.write("fake-password\\n")
open(os.path.join(data, "pki", "card-ca.pem"), "w").close()
print("demo set up")
"""

kFakeCareidd = """#!/usr/bin/python3
import signal, sys, time
settings = dict(line.split(" = ") for line in open(sys.argv[2]).read().splitlines())
if settings["mode"] == "exit":
    print("cannot open storage: fake failure", flush=True)
    sys.exit(3)
if settings["mode"] == "ignore-term":
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
else:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
print(f"ldap listening on ldap://127.0.0.1:{settings['ldap']}", flush=True)
time.sleep(0.3)
print(f"https listening on https://127.0.0.1:{settings['https']}", flush=True)
while True:
    time.sleep(1)
"""


def fake_build(context):
    """Write the stand-in tools into BUILD/tools/... under the work folder; return BUILD."""
    build = context.subdir("fake-build")
    for name, text in (("careidctl", kFakeCareidctl), ("careidd", kFakeCareidd)):
        folder = os.path.join(build, "tools", name)
        os.makedirs(folder, exist_ok=True)
        path = os.path.join(folder, name)
        with open(path, "w") as handle:
            handle.write(text)
        os.chmod(path, 0o755)
    return build


def new_careid(context, name, mode):
    os.environ["FAKE_MODE"] = mode
    careid = harness.Careid(fake_build(context), context.subdir(name), people=3)
    context.cleanups.append(careid.stop)
    return careid


def test_free_port_is_bindable(context):
    port = harness.free_port()
    check(1024 <= port <= 65535, f"port {port}")
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", port))


def test_missing_binaries_named(context):
    careid = harness.Careid(context.subdir("empty-build"), context.subdir("missing"))
    try:
        careid.setup()
    except harness.StartupError as error:
        check_in(f"careidd not built at {careid.careidd}", str(error), "start-up error")
        check_in(f"careidctl not built at {careid.careidctl}", str(error), "start-up error")
    else:
        raise harness.CheckFailed("setup() succeeded without binaries")

    os.makedirs(os.path.dirname(careid.careidctl), exist_ok=True)
    with open(careid.careidctl, "w") as handle:
        handle.write("#!/bin/sh\n")
    os.chmod(careid.careidctl, 0o755)
    try:
        careid.check_built()
    except harness.StartupError as error:
        check_in(f"careidd not built at {careid.careidd}", str(error), "start-up error")
        check("careidctl not built" not in str(error), f"careidctl named as missing: {error}")
    else:
        raise harness.CheckFailed("check_built() accepted a missing careidd")


def test_setup_without_config_fails(context):
    careid = harness.Careid(context.subdir("placeholder-build"), context.subdir("placeholder"))
    for path in (careid.careidctl, careid.careidd):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as handle:
            handle.write("#!/bin/sh\nexit 0\n")
        os.chmod(path, 0o755)
    try:
        careid.setup()
    except harness.StartupError as error:
        check_in("did not write", str(error), "start-up error of a placeholder careidctl")
    else:
        raise harness.CheckFailed("setup() accepted a careidctl that wrote nothing")


def test_start_and_stop_clean(context):
    careid = new_careid(context, "clean", "ok")
    output = careid.setup()
    check_in("demo set up", output, "careidctl output")
    check_equal(careid.admin_password, "fake-password", "admin password")
    check(careid.server_ca.endswith("card-ca.pem"), f"server CA {careid.server_ca}")

    careid.start()
    check(careid.daemon.running(), "careidd stand-in is not running after start()")
    pid = careid.daemon.process.pid
    check_equal(careid.stop(), 0, "exit code after SIGTERM")
    check(not os.path.exists(f"/proc/{pid}"), f"process {pid} still exists")
    check_in("https listening", harness.tail(careid.log_path), "captured log")


def test_early_exit_reported(context):
    careid = new_careid(context, "early-exit", "exit")
    careid.setup()
    try:
        careid.start()
    except harness.StartupError as error:
        check_in("exited with code 3", str(error), "start-up error")
        check_in("fake failure", str(error), "log tail in the start-up error")
    else:
        raise harness.CheckFailed("start() returned although careidd exited")


def test_ignored_sigterm_gets_sigkill(context):
    careid = new_careid(context, "ignore-term", "ignore-term")
    careid.setup()
    careid.start()
    saved = harness.kStopTimeoutSeconds
    harness.kStopTimeoutSeconds = 1.0
    try:
        started = time.monotonic()
        code = careid.stop()
    finally:
        harness.kStopTimeoutSeconds = saved
    check_equal(code, -signal.SIGKILL, "exit code of a daemon that ignores SIGTERM")
    check(time.monotonic() - started < 5, "stop() took longer than the deadline allows")


def test_parse_ldif_folded_and_base64(context):
    text = ("dn: uid=555000000001,ou=People,o=nhs\n"
            "objectClass: nhsPerson\n"
            "cn: A very long name that ldapsearch\n"
            "  folds\n"
            "description:: w6lsw6h2ZQ==\n"
            "\n"
            "dn: o=nhs\n"
            "o: nhs\n")
    entries = harness.parse_ldif(text)
    check_equal(len(entries), 2, "entries")
    dn, attributes = entries[0]
    check_equal(dn, "uid=555000000001,ou=People,o=nhs", "first DN")
    check_equal(attributes["cn"], ["A very long name that ldapsearch folds"], "folded cn")
    check_equal(attributes["description"], ["\u00e9l\u00e8ve"], "base64 description")
    check_equal(entries[1][1]["o"], ["nhs"], "second entry")


def test_ldap_tool_reports_connect_error(context):
    class Closed:
        ldap_url = f"ldap://127.0.0.1:{harness.free_port()}"
    code, output = harness.ldap_tool(Closed(), "ldapsearch", ["-b", "o=nhs", "(uid=1)"])
    check_equal(code, 255, f"ldapsearch exit code against a closed port (output: {output})")
    check_in("Can't contact LDAP server", output, "ldapsearch output")


kStandaloneCases = [
    test_free_port_is_bindable,
    test_missing_binaries_named,
    test_setup_without_config_fails,
    test_start_and_stop_clean,
    test_early_exit_reported,
    test_ignored_sigterm_gets_sigkill,
    test_parse_ldif_folded_and_base64,
    test_ldap_tool_reports_connect_error,
]

if __name__ == "__main__":
    harness.main("harness", [], standalone_cases=kStandaloneCases)
