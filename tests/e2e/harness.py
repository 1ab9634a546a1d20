"""Shared harness for careid's end-to-end scripts.

Each script calls `main(suite_name, cases, ...)`. The harness parses the
arguments that tests/e2e/CMakeLists.txt passes (--build-dir, --source-dir), creates one
temporary folder for the script, runs `careidctl demo setup` into it, starts `careidd`,
runs every case, prints `N passed, M failed` and exits non-zero when a case failed.
Processes that the harness starts are stopped (SIGTERM, then SIGKILL after a deadline)
and the temporary folder is removed on every path, including failures and Ctrl-C.

Only loopback addresses are used: every server binds 127.0.0.1 on a port that the kernel
chose as free.
"""

import argparse
import base64
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback

kDemoUid = "555000000001"
kAdminDn = "cn=admin,o=nhs"
kBaseDn = "o=nhs"

# Small enough that `demo setup` takes seconds, large enough that a sizeLimit of 5 is hit.
kDemoPeople = 50

kStartTimeoutSeconds = 30.0
kStopTimeoutSeconds = 10.0
kToolTimeoutSeconds = 60.0
kLogTailLines = 60


class StartupError(Exception):
    """A server or setup step that a script depends on failed before the cases ran."""


class CheckFailed(AssertionError):
    """A case's check failed. The message names the value seen and the value expected."""


def check(condition, message):
    if not condition:
        raise CheckFailed(message)


def check_equal(actual, expected, description):
    if actual != expected:
        raise CheckFailed(f"{description}: expected {expected!r}, got {actual!r}")


def check_in(needle, haystack, description):
    if needle not in haystack:
        excerpt = haystack if len(haystack) < 2000 else haystack[:2000] + " ..."
        raise CheckFailed(f"{description}: {needle!r} not found in:\n{excerpt}")


def free_port():
    """Return a loopback TCP port that was free a moment ago (bind to port 0)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run(command, input_text=None, timeout=kToolTimeoutSeconds, env=None, cwd=None):
    """Run a command to completion; return (exit code, stdout, stderr) as text.

    A command that runs past `timeout` seconds is killed and reported as CheckFailed.
    """
    try:
        completed = subprocess.run(command, input=input_text, capture_output=True, text=True,
                                   timeout=timeout, env=env, cwd=cwd)
    except subprocess.TimeoutExpired:
        raise CheckFailed(f"timed out after {timeout} s: {' '.join(command)}")
    return completed.returncode, completed.stdout, completed.stderr


def tail(path, lines=kLogTailLines):
    try:
        with open(path, errors="replace") as handle:
            return "".join(handle.readlines()[-lines:])
    except OSError as error:
        return f"(cannot read {path}: {error})\n"


class ManagedProcess:
    """A child process in its own process group, with its output written to a log file.

    stop() sends SIGTERM to the group, waits up to kStopTimeoutSeconds, then sends SIGKILL.
    Only the group that this object started is signalled.
    """

    def __init__(self, name, command, log_path, cwd=None, env=None, popen_options=None):
        """Start `command`. `popen_options` (a dict) adds subprocess.Popen arguments, such
        as `user` or `preexec_fn`."""
        self.name = name
        self.command = command
        self.log_path = log_path
        self._log = open(log_path, "wb")
        self.process = subprocess.Popen(command, stdout=self._log, stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL, cwd=cwd, env=env,
                                        start_new_session=True, **(popen_options or {}))

    def running(self):
        return self.process.poll() is None

    def stop(self):
        """Stop the process and its group; return its exit code (negative for a signal)."""
        if self.running():
            self._signal_group(signal.SIGTERM)
            try:
                self.process.wait(timeout=kStopTimeoutSeconds)
            except subprocess.TimeoutExpired:
                print(f"{self.name} ignored SIGTERM for {kStopTimeoutSeconds} s; sending SIGKILL")
                self._signal_group(signal.SIGKILL)
                self.process.wait()

        # Children that outlived the leader (Apache workers) share its group.
        self._signal_group(signal.SIGKILL)
        self._log.close()
        return self.process.returncode

    def kill(self):
        """Send SIGKILL to the group at once, as a crash would end it; return the exit code."""
        self._signal_group(signal.SIGKILL)
        self.process.wait()
        self._log.close()
        return self.process.returncode

    def _signal_group(self, signum):
        try:
            os.killpg(self.process.pid, signum)
        except ProcessLookupError:
            pass

    def wait_for_lines(self, patterns, timeout):
        """Wait until each regex in `patterns` matches a line of the log.

        Returns the list of match objects in the order of `patterns`. Raises StartupError
        when the process exits first or the timeout passes, with the log tail attached.
        """
        deadline = time.monotonic() + timeout
        while True:
            matches = self._find_patterns(patterns)
            if all(matches):
                return matches

            if not self.running():
                raise StartupError(f"{self.name} exited with code {self.process.returncode} "
                                   f"before it was ready; log {self.log_path}:\n"
                                   f"{tail(self.log_path)}")
            if time.monotonic() > deadline:
                missing = [p for p, m in zip(patterns, matches) if m is None]
                raise StartupError(f"{self.name} printed no line matching {missing} within "
                                   f"{timeout} s; log {self.log_path}:\n{tail(self.log_path)}")
            time.sleep(0.1)

    def _find_patterns(self, patterns):
        with open(self.log_path, errors="replace") as handle:
            text = handle.read()
        return [re.search(pattern, text, re.MULTILINE) for pattern in patterns]


def wait_for_port(process, port, timeout, log_path):
    """Wait until 127.0.0.1:`port` accepts a TCP connection while `process` runs.

    Raises StartupError with the tail of `log_path` when the process exits or time runs out.
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            pass

        if not process.running():
            raise StartupError(f"{process.name} exited with code {process.process.returncode} "
                               f"before listening on port {port}; log {log_path}:\n"
                               f"{tail(log_path)}\noutput {process.log_path}:\n"
                               f"{tail(process.log_path)}")
        if time.monotonic() > deadline:
            raise StartupError(f"{process.name} did not listen on port {port} within "
                               f"{timeout} s; log {log_path}:\n{tail(log_path)}")
        time.sleep(0.1)


class Careid:
    """A demo careid installation in `data_dir`: `careidctl demo setup`, then `careidd`."""

    # TODO: the command lines, file layout under data_dir and "listening" lines follow the
    # agreed interface; they have run only against stand-ins (test_harness.py), not careidd.

    def __init__(self, build_dir, work_dir, people=kDemoPeople, sp_metadata=()):
        build_dir = os.path.abspath(build_dir)
        self.careidctl = os.path.join(build_dir, "tools", "careidctl", "careidctl")
        self.careidd = os.path.join(build_dir, "tools", "careidd", "careidd")
        self.data_dir = os.path.join(work_dir, "careid")
        self.log_path = os.path.join(work_dir, "careidd.log")
        self.people = people
        self.sp_metadata = list(sp_metadata)
        self.ldap_port = free_port()
        self.https_port = free_port()
        self.daemon = None

    @property
    def ldap_url(self):
        return f"ldap://127.0.0.1:{self.ldap_port}"

    @property
    def https_url(self):
        return f"https://127.0.0.1:{self.https_port}"

    @property
    def admin_password(self):
        with open(os.path.join(self.data_dir, "admin-password")) as handle:
            return handle.read().strip()

    def card(self, uid=kDemoUid):
        """Return (certificate, key, PKCS#12) paths of a demo card."""
        base = os.path.join(self.data_dir, "pki", "cards", uid)
        return base + ".pem", base + ".key", base + ".p12"

    @property
    def card_ca(self):
        return os.path.join(self.data_dir, "pki", "card-ca.pem")

    @property
    def server_ca(self):
        """Return the CA file that verifies careidd's HTTPS certificate."""
        for name in ("server-ca.pem", "card-ca.pem"):
            path = os.path.join(self.data_dir, "pki", name)
            if os.path.exists(path):
                return path
        raise StartupError(f"neither server-ca.pem nor card-ca.pem exists in "
                           f"{self.data_dir}/pki; did `careidctl demo setup` finish?")

    def check_built(self):
        missing = [(name, path) for name, path in (("careidd", self.careidd),
                                                   ("careidctl", self.careidctl))
                   if not os.access(path, os.X_OK)]
        if missing:
            raise StartupError("; ".join(f"{name} not built at {path}" for name, path in missing)
                               + "; build with `cmake --build BUILD --target careidd careidctl`")

    def setup(self):
        """Run `careidctl demo setup`; raise StartupError unless careid.toml appears."""
        self.check_built()
        command = [self.careidctl, "demo", "setup", "--data", self.data_dir,
                   "--ldap-port", str(self.ldap_port), "--https-port", str(self.https_port),
                   "--people", str(self.people)]
        for path in self.sp_metadata:
            command += ["--sp-metadata", path]

        code, out, err = run(command, timeout=120)
        config = os.path.join(self.data_dir, "careid.toml")
        if code != 0 or not os.path.exists(config):
            raise StartupError(f"`{' '.join(command)}` exited with code {code} and "
                               f"{'wrote' if os.path.exists(config) else 'did not write'} "
                               f"{config}; careidctl may not be built at {self.careidctl} yet.\n"
                               f"stdout:\n{out}\nstderr:\n{err}")
        return out

    def start(self, popen_options=None):
        """Start careidd and wait for both "listening" lines. `popen_options` as for
        ManagedProcess."""
        config = os.path.join(self.data_dir, "careid.toml")
        self.daemon = ManagedProcess("careidd", [self.careidd, "--config", config],
                                     self.log_path, popen_options=popen_options)
        self.daemon.wait_for_lines([
            rf"ldap listening on ldap://127\.0\.0\.1:{self.ldap_port}\b",
            rf"https listening on https://127\.0\.0\.1:{self.https_port}\b",
        ], kStartTimeoutSeconds)

    def stop(self):
        """Stop careidd; return its exit code, or None when it was never started."""
        if self.daemon is None:
            return None
        code = self.daemon.stop()
        self.daemon = None
        return code


def ldap_tool(careid, tool, args, input_text=None, bind_admin=False, password=None):
    """Run an ldap-utils command (ldapsearch, ldapadd, ...) against careidd.

    Adds `-x -H ldap://127.0.0.1:P`, and `-D cn=admin,o=nhs -w PASSWORD` when `bind_admin`
    is set (`password` overrides the admin password). ldapsearch also gets `-LLL`.
    Returns (exit code, stdout + stderr). ldap-utils exit with the LDAP resultCode.
    """
    command = [tool, "-x", "-H", careid.ldap_url]
    if tool == "ldapsearch":
        command.append("-LLL")
    if bind_admin:
        command += ["-D", kAdminDn, "-w", password if password is not None
                    else careid.admin_password]
    command += list(args)

    env = dict(os.environ, LDAPCONF="/dev/null", LDAPRC="/dev/null", LDAPNOINIT="1")
    code, out, err = run(command, input_text=input_text, env=env)
    return code, out + err


def parse_ldif(text):
    """Split ldapsearch -LLL output into a list of (dn, {attribute lower: [values]}).

    Handles folded lines (RFC 2849: a continuation line starts with one space) and
    base64 values (`attr:: value`).
    """
    unfolded = re.sub(r"\n ", "", text)
    entries = []
    for block in unfolded.strip().split("\n\n"):
        dn = None
        attributes = {}
        for line in block.splitlines():
            match = re.match(r"^([^:\s]+)(::?)\s?(.*)$", line)
            if not match or line.startswith("#"):
                continue
            name, separator, value = match.groups()
            if separator == "::":
                value = base64.b64decode(value).decode("utf-8", "replace")
            if name.lower() == "dn":
                dn = value
            else:
                attributes.setdefault(name.lower(), []).append(value)
        if dn is not None:
            entries.append((dn, attributes))
    return entries


def parse_args():
    parser = argparse.ArgumentParser(description="careid end-to-end test script")
    parser.add_argument("--build-dir", required=True, help="CMake build folder")
    parser.add_argument("--source-dir", default=os.path.dirname(os.path.dirname(
        os.path.dirname(os.path.abspath(__file__)))), help="careid source folder")
    parser.add_argument("--keep", action="store_true",
                        help="keep the temporary folder (logs, configs) after the run")
    parser.add_argument("-k", dest="only", default=None,
                        help="run only cases whose name contains this text")
    return parser.parse_args()


class Context:
    """What every case receives: the arguments, the script's work folder and careid."""

    def __init__(self, args, work_dir):
        self.args = args
        self.work_dir = work_dir
        self.careid = None
        self.cleanups = []

    def subdir(self, name):
        path = os.path.join(self.work_dir, name)
        os.makedirs(path, exist_ok=True)
        return path


class Tally:
    passed = 0
    failed = 0


def _selected(cases, only):
    return [case for case in cases if not only or only in case.__name__]


def _run_cases(context, cases, tally):
    for case in cases:
        name = case.__name__
        started = time.monotonic()
        try:
            case(context)
        except Exception as error:
            tally.failed += 1
            detail = str(error) if isinstance(error, CheckFailed) else traceback.format_exc()
            print(f"FAIL {name} ({time.monotonic() - started:.1f} s): {detail}", flush=True)
        else:
            tally.passed += 1
            print(f"PASS {name} ({time.monotonic() - started:.1f} s)", flush=True)


def main(suite_name, cases, prepare=None, standalone_cases=(), configure=None):
    """Run the cases (functions taking a Context) and exit with the summary.

    `standalone_cases` run first and need no careid. `prepare(context)` then runs before
    careid is set up, for files that `demo setup` needs, and returns a list of SP metadata
    paths or None. `configure(context)` runs after `demo setup` and before careidd starts,
    to change careid.toml. careid is set up and started only when a selected case in `cases`
    needs it.
    """
    args = parse_args()
    work_dir = tempfile.mkdtemp(prefix=f"careid-e2e-{suite_name}-")
    context = Context(args, work_dir)
    tally = Tally()
    startup_failed = False

    # SIGTERM from ctest's timeout must run the cleanup below too.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    try:
        _run_cases(context, _selected(standalone_cases, args.only), tally)
        selected = _selected(cases, args.only)
        if selected:
            sp_metadata = prepare(context) if prepare else None
            context.careid = Careid(args.build_dir, work_dir, sp_metadata=sp_metadata or ())
            context.careid.setup()
            if configure:
                configure(context)
            context.careid.start()
            _run_cases(context, selected, tally)
    except StartupError as error:
        tally.failed += 1
        startup_failed = True
        print(f"FAIL start-up: {error}", flush=True)
    except BaseException as error:
        tally.failed += 1
        print(f"FAIL harness: {error!r}\n{traceback.format_exc()}", flush=True)
    finally:
        tally.failed += _clean_up(context, count_stop_failure=not startup_failed)
        if tally.failed and not startup_failed and context.careid and \
                os.path.exists(context.careid.log_path):
            print(f"--- last lines of {context.careid.log_path} ---\n"
                  f"{tail(context.careid.log_path)}", flush=True)
        if args.keep:
            print(f"kept {work_dir}")
        else:
            shutil.rmtree(work_dir, ignore_errors=True)

    print(f"{tally.passed} passed, {tally.failed} failed", flush=True)
    sys.exit(1 if tally.failed else 0)


def _clean_up(context, count_stop_failure):
    """Run registered cleanups (last first) and stop careidd; return the number of failures.

    careidd must exit 0 on SIGTERM; any other exit code counts as a failure unless start-up
    already failed (then careidd has usually exited on its own).
    """
    failures = 0
    for cleanup in reversed(context.cleanups):
        try:
            cleanup()
        except Exception as error:
            failures += 1
            print(f"FAIL cleanup {cleanup!r}: {error!r}", flush=True)

    if context.careid and context.careid.daemon:
        code = context.careid.stop()
        if code != 0 and count_stop_failure:
            failures += 1
            print(f"FAIL careidd stop: exit code {code} after SIGTERM, expected 0", flush=True)
    return failures
