"""Crash safety: every write that careidd acknowledged survives a SIGKILL.

kWriters threads, each on its own python3-ldap3 connection bound as the directory
administrator, add entries below kCrashOu and replace the description of entries they
added, recording each operation that careidd acknowledged with success. At a random moment
the script kills careidd's process group with SIGKILL, restarts careidd on the same data
folder and checks that it starts and that every acknowledged add is present. An entry's
description must be the value of its last acknowledged modify, or the value of the modify
that was in flight at the kill, which may or may not have committed. It runs up to
kRounds rounds within about kMaxSeconds, then `careidctl directory check` must find the
store consistent while careidd runs.

SIGKILL ends careidd but not the machine, so the kernel still writes out the page cache.
This checks that careidd commits before it responds and that LMDB recovers after a killed
writer. It does not check that commits reach the disk, which careidd's default (the store
opened without MDB_NOSYNC) leaves to fsync.
"""

import os
import random
import sys
import threading
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
from harness import check, check_equal, check_in, kBaseDn  # noqa: E402
from write_load import Ledger, Writer, add_unit, stored_descriptions  # noqa: E402

kCrashOu = f"ou=Crash Test,{kBaseDn}"
kWriters = 4
kRounds = 10
kMaxSeconds = 60.0
# Writes run this long (seconds, uniform) before the kill.
kMinWriteSeconds = 0.3
kMaxWriteSeconds = 2.5


def check_ledger(careid, ledger, round_number):
    """Check that every acknowledged add is stored with an allowed description."""
    stored = stored_descriptions(careid, kCrashOu)
    missing = [dn for dn in ledger.acknowledged if dn.lower() not in stored]
    check(not missing, f"round {round_number}: {len(missing)} acknowledged adds are missing "
                       f"after the restart, for example {missing[:3]}")
    wrong = []
    for dn, value in ledger.acknowledged.items():
        allowed = {value, ledger.in_flight.get(dn)}
        if stored[dn.lower()] not in allowed:
            wrong.append(f"{dn}: stored {stored[dn.lower()]!r}, expected one of {sorted(allowed - {None})}")
    check(not wrong, f"round {round_number}: {len(wrong)} entries lost an acknowledged modify, "
                     f"for example {wrong[:3]}")
    return len(stored)


def crash_round(careid, ledger, round_number, seed):
    """Write for a random time, SIGKILL careidd, restart it; return acknowledged operations."""
    rounds_random = random.Random(seed)
    stop = threading.Event()
    writers = [Writer(careid, kCrashOu, f"crash-{round_number}-{index}", ledger, stop, seed + index)
               for index in range(kWriters)]
    for writer in writers:
        writer.start()
    time.sleep(rounds_random.uniform(kMinWriteSeconds, kMaxWriteSeconds))

    code = careid.daemon.kill()
    check_equal(code, -9, f"round {round_number}: careidd exit status after SIGKILL")
    careid.daemon = None
    stop.set()
    for writer in writers:
        writer.join(timeout=30)
        check(not writer.is_alive(), f"round {round_number}: writer {writer.prefix} still runs")
        check(writer.error is None, f"round {round_number}: {writer.prefix}: {writer.error}")

    # A new log per round keeps the earlier ones for a failure report.
    careid.log_path = os.path.join(os.path.dirname(careid.log_path),
                                   f"careidd-after-crash-{round_number}.log")
    careid.start()
    return sum(writer.acknowledged_operations for writer in writers)


def test_acknowledged_writes_survive_sigkill(context):
    careid = context.careid
    add_unit(careid, kCrashOu)

    seed = int(os.environ.get("CAREID_CRASH_SEED", time.time_ns() % 1_000_000))
    print(f"crash test seed {seed} (set CAREID_CRASH_SEED to repeat the kill times)")
    ledger = Ledger()
    started = time.monotonic()
    rounds = 0
    operations = 0
    while rounds < kRounds and time.monotonic() - started < kMaxSeconds:
        rounds += 1
        operations += crash_round(careid, ledger, rounds, seed + 100 * rounds)
        stored = check_ledger(careid, ledger, rounds)
    check(rounds >= 3, f"only {rounds} rounds ran within {kMaxSeconds} s")
    check(operations > 0, "no write was acknowledged in any round")
    print(f"{rounds} SIGKILL rounds, {operations} acknowledged writes, {stored} entries stored, "
          f"{time.monotonic() - started:.1f} s")


def test_store_check_after_crashes(context):
    config = os.path.join(context.careid.data_dir, "careid.toml")
    code, out, err = harness.run([context.careid.careidctl, "directory", "check", "--config", config],
                                 timeout=120)
    check_equal(code, 0, f"careidctl directory check exit code (stdout {out!r}, stderr {err!r})")
    check_in("consistent", out, "careidctl directory check output")


kCases = [test_acknowledged_writes_survive_sigkill, test_store_check_after_crashes]

if __name__ == "__main__":
    harness.main("crash_safety", kCases)
