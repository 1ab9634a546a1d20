#!/usr/bin/env bash
# Measures registration through careidd: `careidctl person register` plus `role assign` for
# one person at a time (100 times, a new careidctl process per command), then a
# 10,000-person `careidctl intake`. Prints milliseconds per person: wall time, and the
# system + user CPU time of careidd and careidctl together. Target: at most 50 ms per person.
# Card issuance is not included yet (intake has no card issuer wired in).
#
# Usage: tools/bench/registration.sh [BUILD_DIR] [SINGLE_COUNT] [INTAKE_COUNT]
#   BUILD_DIR     build folder (default: build); it is built first (careidd, careidctl).
#                 Use a Release build for figures worth recording.
#   SINGLE_COUNT  people registered one at a time (default: 100)
#   INTAKE_COUNT  people in the intake file (default: 10000)
set -euo pipefail

source_dir="$(cd "$(dirname "$0")/../.." && pwd)"
build_dir="${1:-$source_dir/build}"
single="${2:-100}"
intake="${3:-10000}"

cmake --build "$build_dir" --target careidd careidctl >/dev/null

work="$(mktemp -d /tmp/careid-registration-bench-XXXXXX)"
trap 'rm -rf "$work"' EXIT

/usr/bin/python3 - "$build_dir" "$work" "$single" "$intake" <<'PY'
import os, resource, socket, subprocess, sys, time

build_dir, work, single, intake = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
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
    with open(f"/proc/{daemon.pid}/stat") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / ticks  # utime + stime

def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime

connection = ["--url", f"ldap://127.0.0.1:{ldap_port}", "--bind-dn", "cn=admin,o=nhs",
              "--password-file", os.path.join(data, "admin-password")]

def measure(label, people, body):
    wall, daemon_before, children_before = time.monotonic(), daemon_cpu(), children_cpu()
    body()
    wall = time.monotonic() - wall
    cpu = daemon_cpu() - daemon_before + children_cpu() - children_before
    print(f"{label}: {people} people, {wall * 1000 / people:.1f} ms wall and {cpu * 1000 / people:.1f} ms "
          f"CPU (careidd + careidctl, user + system) per person")

def one_at_a_time():
    for i in range(single):
        uid = subprocess.run([careidctl, "person", "register", *connection, "--given-name", "Bench",
                              "--surname", f"Single{i}", "--mail", f"single{i}@bench.example",
                              "--id-check-level", "3"], check=True, capture_output=True, text=True).stdout.strip()
        subprocess.run([careidctl, "role", "assign", *connection, "--uid", uid, "--org", "R0A",
                        "--job-role", "R8000", "--start", "2026-12-01"], check=True, stdout=subprocess.DEVNULL)

staff = os.path.join(work, "staff.csv")
with open(staff, "w") as handle:
    handle.write("given_name,surname,mail,org,job_role,start_date,id_check_level\n")
    for i in range(intake):
        handle.write(f"Bench,Intake{i},intake{i}@bench.example,R0A,R8001,2026-12-01,2\n")

def run_intake():
    subprocess.run([careidctl, "intake", *connection, "--csv", staff], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)

try:
    wait_for_ldap()
    measure("register + assign, one careidctl process per command", single, one_at_a_time)
    measure("intake", intake, run_intake)
finally:
    stop_daemon()
PY
