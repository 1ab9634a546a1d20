"""End-to-end test of `careidctl sus` on both stores: the same imports, pricing and
extracts on an LMDB folder and on a throwaway PostgreSQL server (scripts/pg-test-server.sh,
run as the user `postgres` when this script runs as root), whose outputs must be identical.

The spells are the synthetic file in data/sus/ and a generated file of a few thousand
spells over two financial years and many providers, so that several partitions are used.
Needs no careidd.
"""

import csv
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile

# Keep __pycache__ out of the source tree.
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
from harness import check, check_equal, check_in  # noqa: E402

kYear = "2015/16"
kGeneratedSpells = 3000
kServerTimeoutSeconds = 180


class Stores:
    """The two store locations of the run; `pg_dir` is the PostgreSQL server's folder."""

    lmdb = None
    postgresql = None
    pg_dir = None


def source(context, *parts):
    return os.path.join(context.args.source_dir, *parts)


def careidctl(context, store, *args):
    """Run `careidctl sus ARGS --store STORE`; return (code, stdout, stderr)."""
    tool = os.path.join(context.args.build_dir, "tools", "careidctl", "careidctl")
    if not os.path.exists(tool):
        raise harness.CheckFailed(f"careidctl not built at {tool}")
    return harness.run([tool, "sus", args[0], "--store", store, *args[1:]], timeout=kServerTimeoutSeconds)


def on_both(context, *args):
    """Run the same command on both stores; return the two (code, stdout, stderr)."""
    return careidctl(context, Stores.lmdb, *args), careidctl(context, Stores.postgresql, *args)


def pg_server_script(context, *args):
    return subprocess.run([source(context, "scripts", "pg-test-server.sh"), *args], capture_output=True,
                          text=True, timeout=kServerTimeoutSeconds)


def generate_spells(path, count, seed):
    """Write `count` valid spells discharged in 2015/16 and 2016/17 across 40 providers."""
    rng = random.Random(seed)
    providers = ["RGR", "RTH", "RA7", "R1H", "RJ1", "RRV", "RQ3", "RWE"] + [f"R{n:02d}" for n in range(32)]
    methods = ["11", "12", "13", "21", "22", "24", "28", "2A", "31", "81"]
    hrgs = ["AA22C", "DZ11N", "EB10Z", "FZ24E", "HN12C", "LA08E", "BZ24C", "PA14C", "WA14Z"]
    with open(path, "w", encoding="utf-8") as out:
        out.write("HOSPITAL PROVIDER SPELL NUMBER,ORGANISATION CODE (CODE OF PROVIDER),"
                  "ORGANISATION CODE (CODE OF COMMISSIONER),ADMISSION METHOD (HOSPITAL PROVIDER SPELL),"
                  "PATIENT CLASSIFICATION,START DATE (HOSPITAL PROVIDER SPELL),"
                  "DISCHARGE DATE (HOSPITAL PROVIDER SPELL),AGE ON ADMISSION,HEALTHCARE RESOURCE GROUP CODE\n")
        for i in range(count):
            method = rng.choice(methods)
            stay = rng.choice([0, 0, 1, 2, 5, 12, 30])
            month = rng.choice([4, 7, 12, 3]) if i % 2 else rng.choice([5, 9])
            year = 2016 if month <= 3 else 2015
            if i % 5 == 0:
                year += 1
            discharge = f"{year}-{month:02d}-{rng.randint(10, 28):02d}"
            start = f"{year}-{month:02d}-{max(1, int(discharge[-2:]) - stay):02d}"
            classification = "2" if method[0] == "1" and stay == 0 else "1"
            out.write(f"G{i:06d},{rng.choice(providers)},06T,{method},{classification},{start},{discharge},"
                      f"{rng.randint(0, 99)},{rng.choice(hrgs)}\n")


def start_stores(context):
    Stores.lmdb = os.path.join(context.work_dir, "lmdb-store")
    # A folder of its own under /tmp, because the server runs as `postgres` when this
    # script runs as root and must reach it.
    Stores.pg_dir = tempfile.mkdtemp(prefix="careid-e2e-pg-", dir="/tmp")
    context.cleanups.append(lambda: stop_postgresql(context))
    result = pg_server_script(context, "start", Stores.pg_dir)
    check_equal(result.returncode, 0, f"pg-test-server.sh start exit code (stderr: {result.stderr})")
    Stores.postgresql = result.stdout.strip().splitlines()[-1]
    check(Stores.postgresql.startswith("postgresql://"), f"server URI: {Stores.postgresql!r}")


def stop_postgresql(context):
    pg_server_script(context, "stop", Stores.pg_dir)
    shutil.rmtree(Stores.pg_dir, ignore_errors=True)


def imports_match(context):
    tariff = source(context, "data", "sus", "tariff-synthetic-2015-16.csv")
    mff = source(context, "data", "reference", "nhsrefcost-2015-16-national-schedule.csv")
    generated = os.path.join(context.work_dir, "generated.csv")
    generate_spells(generated, kGeneratedSpells, seed=6)
    steps = [("import-tariff", "--year", kYear, tariff),
             ("import-tariff", "--year", "2016/17", tariff),
             ("import-mff", "--year", kYear, mff),
             ("import-mff", "--year", "2016/17", mff),
             ("import-spells", source(context, "data", "sus", "spells-synthetic-2015-16.csv")),
             ("import-spells", generated)]
    for step in steps:
        lmdb, pg = on_both(context, *step)
        check_equal(lmdb[0], 0, f"{step[0]} on LMDB exit code (stderr: {lmdb[2]})")
        check_equal(pg[0], 0, f"{step[0]} on PostgreSQL exit code (stderr: {pg[2]})")
        check_equal(pg[1], lmdb[1], f"{step[0]} output on PostgreSQL")
    check_in(f"stored {kGeneratedSpells} spells, rejected 0", lmdb[1], "generated import")


def without_timing(text):
    """Drop the time from "priced 8 of 10 spells in 0.0176 s, total ...", the only varying part."""
    return re.sub(r" in [0-9.e-]+ s,", ",", text)


def price_summaries_match(context):
    selections = [("--year", kYear), ("--year", "2016/17"),
                  ("--year", kYear, "--provider", "RGR", "--from", "2015-07-01", "--to", "2015-12-31"),
                  ("--year", kYear, "--commissioner", "06T")]
    for selection in selections:
        lmdb, pg = on_both(context, "price", *selection)
        check_equal(pg[0], 0, f"price {selection} on PostgreSQL exit code (stderr: {pg[2]})")
        check_in("priced ", pg[1], f"price {selection} output")
        check_equal(without_timing(pg[1]), without_timing(lmdb[1]), f"price {selection} output on PostgreSQL")

    lmdb, pg = on_both(context, "price", "--year", kYear, "--provider", "RGR", "--spell", "S0002")
    check_equal(pg, lmdb, "explanation of RGR/S0002")
    check_in("total: 2640.74", pg[1], "explanation of RGR/S0002")


def read_file(path):
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def extracts_identical(context):
    selections = [("--commissioner", "06T"), ("--provider", "RGR"),
                  ("--provider", "RTH", "--from", "2015-07-01", "--to", "2015-12-31")]
    for index, selection in enumerate(selections):
        files = []
        for name, store in (("lmdb", Stores.lmdb), ("pg", Stores.postgresql)):
            out_file = os.path.join(context.work_dir, f"extract-{index}-{name}.csv")
            code, out, err = careidctl(context, store, "extract", "--year", kYear, *selection, "--out", out_file)
            check_equal(code, 0, f"extract {selection} on {name} exit code (stderr: {err})")
            files.append(read_file(out_file))
        check(len(files[0].splitlines()) > 1, f"extract {selection} has rows")
        check(files[0] == files[1], f"extract {selection} differs between LMDB and PostgreSQL")


def resubmission_replaces_on_both(context):
    # Resubmit two spells: one with a new HRG, one moved to the next financial year.
    path = os.path.join(context.work_dir, "resubmitted.csv")
    with open(source(context, "data", "sus", "spells-synthetic-2015-16.csv"), encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    header, body = rows[0], rows[1:]
    by_number = {row[0]: row for row in body}
    changed = [list(by_number["S0001"]), list(by_number["S0002"])]
    changed[0][header.index("HEALTHCARE RESOURCE GROUP CODE")] = "FZ24E"
    changed[1][header.index("DISCHARGE DATE (HOSPITAL PROVIDER SPELL)")] = "2016-05-02"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerows([header] + changed)

    lmdb, pg = on_both(context, "import-spells", path)
    check_equal(pg[1], lmdb[1], "resubmission output on PostgreSQL")
    check_in("stored 2 spells", pg[1], "resubmission output")
    extracts_identical(context)
    for year in (kYear, "2016/17"):
        lmdb, pg = on_both(context, "extract", "--year", year, "--provider", "RGR", "--out", os.devnull)
        check_equal(pg[0], 0, f"extract {year} on PostgreSQL exit code (stderr: {pg[2]})")


def unreachable_server_hides_password(context):
    code, out, err = careidctl(context, "postgresql://careid:hunter2@127.0.0.1:1/careid?connect_timeout=5",
                               "price", "--year", kYear)
    check_equal(code, 1, "exit code for an unreachable server")
    check_in("cannot connect to SUS store postgresql://careid@127.0.0.1:1/careid", err, "connection error")
    check("hunter2" not in err + out, f"the password appears in the output: {err}")


if __name__ == "__main__":
    harness.main("sus-postgres", cases=[], standalone_cases=[
        start_stores, imports_match, price_summaries_match, extracts_identical, resubmission_replaces_on_both,
        unreachable_server_hides_password])
