#!/usr/bin/env bash
# Measures registration through careidd: `careidctl person register` plus `role assign` for
# one person at a time (a new careidctl process per command), then a `careidctl intake` of
# INTAKE_COUNT people without cards, then an intake of CARD_COUNT other people with
# --issue-cards (a SoftHSM 2 token per person, an ECDSA P-256 key generated on it, the
# certificate from the card CA, the card registry and the audit trail). Prints milliseconds
# per person: wall time, and the user and system CPU time of careidd and careidctl together.
# Target: register + role profile + card at most 50 ms of system time per person.
#
# Usage: tools/bench/registration.sh [BUILD_DIR] [SINGLE_COUNT] [INTAKE_COUNT] [CARD_COUNT]
#   BUILD_DIR     build folder (default: build); it is built first (careidd, careidctl).
#                 Use a Release build for figures worth recording.
#   SINGLE_COUNT  people registered one at a time (default: 100)
#   INTAKE_COUNT  people in the intake file without cards (default: 10000)
#   CARD_COUNT    people in the intake file with cards (default: 10000, and 0 skips it)
set -euo pipefail

source_dir="$(cd "$(dirname "$0")/../.." && pwd)"
build_dir="${1:-$source_dir/build}"
single="${2:-100}"
intake="${3:-10000}"
cards="${4:-10000}"

cmake --build "$build_dir" --target careidd careidctl >/dev/null

work="$(mktemp -d /tmp/careid-registration-bench-XXXXXX)"
trap 'rm -rf "$work"' EXIT

/usr/bin/python3 - "$build_dir" "$work" "$single" "$intake" "$cards" <<'PY'
import os, resource, socket, subprocess, sys, time

build_dir, work, single, intake, cards = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
careidctl = os.path.join(build_dir, "tools", "careidctl", "careidctl")
careidd = os.path.join(build_dir, "tools", "careidd", "careidd")

def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]

ldap_port, https_port = free_port(), free_port()
data = os.path.join(work, "data")
subprocess.run([careidctl, "demo", "setup", "--data", data, "--people", "100", "--ldap-port", str(ldap_port),
                "--https-port", str(https_port)], check=True, stdout=subprocess.DEVNULL)
log = open(os.path.join(work, "careidd.log"), "w")
daemon = subprocess.Popen([careidd, "--config", os.path.join(data, "careid.toml")], stdout=log, stderr=log)

def stop_daemon():
    daemon.terminate()
    try:
        daemon.wait(timeout=30)
    except subprocess.TimeoutExpired:
        daemon.kill()
        daemon.wait()

def wait_for_ldap():
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", ldap_port)) == 0:
                return
        time.sleep(0.1)
    raise SystemExit(f"careidd did not listen on port {ldap_port}; see its log")

ticks = os.sysconf("SC_CLK_TCK")
def daemon_cpu():
    """Return careidd's (user, system) CPU seconds."""
    with open(f"/proc/{daemon.pid}/stat") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    return int(fields[11]) / ticks, int(fields[12]) / ticks  # utime, stime

def children_cpu():
    """Return the (user, system) CPU seconds of the finished careidctl processes."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime, usage.ru_stime

def cpu():
    (daemon_user, daemon_system), (child_user, child_system) = daemon_cpu(), children_cpu()
    return daemon_user + child_user, daemon_system + child_system

connection = ["--url", f"ldap://127.0.0.1:{ldap_port}", "--bind-dn", "cn=admin,o=nhs",
              "--password-file", os.path.join(data, "admin-password")]

def measure(label, people, body):
    wall, (user_before, system_before) = time.monotonic(), cpu()
    body()
    wall = time.monotonic() - wall
    user, system = cpu()
    user, system = user - user_before, system - system_before
    print(f"{label}: {people} people in {wall:.1f} s; per person {wall * 1000 / people:.1f} ms wall, "
          f"{user * 1000 / people:.1f} ms user and {system * 1000 / people:.1f} ms system CPU "
          f"(careidd + careidctl)", flush=True)

def one_at_a_time():
    for i in range(single):
        uid = subprocess.run([careidctl, "person", "register", *connection, "--given-name", "Bench",
                              "--surname", f"Single{i}", "--mail", f"single{i}@bench.example",
                              "--id-check-level", "3"], check=True, capture_output=True, text=True).stdout.strip()
        subprocess.run([careidctl, "role", "assign", *connection, "--uid", uid, "--org", "R0A",
                        "--job-role", "R8000", "--start", "2026-12-01"], check=True, stdout=subprocess.DEVNULL)

def write_staff(name, prefix, count):
    path = os.path.join(work, name)
    with open(path, "w") as handle:
        handle.write("given_name,surname,mail,org,job_role,start_date,id_check_level\n")
        for i in range(count):
            handle.write(f"Bench,{prefix}{i},{prefix.lower()}{i}@bench.example,R0A,R8001,2026-12-01,2\n")
    return path

def secret(name, value):
    path = os.path.join(work, name)
    with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as handle:
        handle.write(value + "\n")
    return path

card_options = ["--issue-cards", "--data", data, "--so-pin-file", secret("so-pin", "87654321"),
                "--pin-file", secret("pin", "123456")]

def run_intake(staff, *options):
    result = subprocess.run([careidctl, "intake", *connection, "--csv", staff, *options], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    print(f"  {result.stdout.strip()}")
    if result.returncode != 0:
        raise SystemExit(f"intake exited with {result.returncode}")

try:
    wait_for_ldap()
    if single > 0:
        measure("register + assign, one careidctl process per command", single, one_at_a_time)
    if intake > 0:
        staff = write_staff("staff.csv", "Intake", intake)
        measure("intake without cards", intake, lambda: run_intake(staff))
    if cards > 0:
        card_staff = write_staff("card-staff.csv", "Card", cards)
        measure("intake with cards", cards, lambda: run_intake(card_staff, *card_options))
        measure("rerun of the intake with cards", cards, lambda: run_intake(card_staff, *card_options))
finally:
    stop_daemon()
PY
