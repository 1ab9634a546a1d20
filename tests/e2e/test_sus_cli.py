"""End-to-end test of `careidctl sus` on the synthetic tariff, the real 2015/16 market
forces factors and the synthetic spells in data/sus/. Needs no careidd.

The cases run in order against one store in the script's temporary folder: imports first,
then pricing and extracts, whose totals are the worked examples in sus/README.md.
"""

import csv
import os
import sys

# Keep __pycache__ out of the source tree.
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
from harness import check, check_equal, check_in  # noqa: E402

kYear = "2015/16"


def careidctl(context, *args):
    """Run `careidctl sus ARGS` against the script's store; return (code, stdout, stderr)."""
    tool = os.path.join(context.args.build_dir, "tools", "careidctl", "careidctl")
    if not os.path.exists(tool):
        raise harness.CheckFailed(f"careidctl not built at {tool}")
    store = os.path.join(context.work_dir, "store")
    return harness.run([tool, "sus", args[0], "--store", store, *args[1:]])


def source(context, *parts):
    return os.path.join(context.args.source_dir, *parts)


def tariff_file(context):
    return source(context, "data", "sus", "tariff-synthetic-2015-16.csv")


def import_tariff(context):
    code, out, err = careidctl(context, "import-tariff", "--year", kYear, tariff_file(context))
    check_equal(code, 0, f"import-tariff exit code (stderr: {err})")
    check_in("stored 9 HRG prices for 2015/16", out, "import-tariff output")


def bad_tariff_keeps_stored_year(context):
    with open(tariff_file(context), encoding="utf-8") as handle:
        lines = handle.read().splitlines()
    # Line 3 (DZ11N), column 4: the combined price becomes invalid. Line 5 loses a cell.
    fields = lines[2].split(",")
    fields[3] = "12x"
    lines[2] = ",".join(fields)
    lines[4] = "EB10Z,short row"
    bad = os.path.join(context.work_dir, "bad-tariff.csv")
    with open(bad, "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")

    code, out, err = careidctl(context, "import-tariff", "--year", kYear, bad)
    check_equal(code, 1, "exit code of a bad tariff import")
    check_in("2 invalid values; nothing was stored", err, "import-tariff error")
    check_in("line 3, column 4 (Combined day case / ordinary elective spell tariff (£)): invalid price '12x'",
             err, "import-tariff error")
    check_in("line 5: row has 2 columns, fewer than the header", err, "import-tariff error")


def import_mff(context):
    mff = source(context, "data", "reference", "nhsrefcost-2015-16-national-schedule.csv")
    code, out, err = careidctl(context, "import-mff", "--year", kYear, mff)
    check_equal(code, 0, f"import-mff exit code (stderr: {err})")
    check_in("stored 237 market forces factors for 2015/16", out, "import-mff output")


def import_spells_with_rejects(context):
    rejects = os.path.join(context.work_dir, "rejects.csv")
    spells = source(context, "data", "sus", "spells-synthetic-2015-16.csv")
    code, out, err = careidctl(context, "import-spells", "--rejects", rejects, spells)
    check_equal(code, 0, f"import-spells exit code (stderr: {err})")
    check_in("stored 10 spells, rejected 3", out, "import-spells output")
    check_in("rejected line 13: invalid ADMISSION METHOD (HOSPITAL PROVIDER SPELL) '99'", err, "import-spells stderr")

    with open(rejects, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    check_equal([row["line"] for row in rows], ["12", "13", "14"], "rejected lines")
    check_equal([row["spell_number"] for row in rows], ["S0011", "S0012", "S0001"], "rejected spell numbers")
    check_in("is before START DATE", rows[0]["reason"], "first rejection reason")
    check_in("duplicate HOSPITAL PROVIDER SPELL NUMBER", rows[2]["reason"], "third rejection reason")


def price_all_spells(context):
    code, out, err = careidctl(context, "price", "--year", kYear)
    check_equal(code, 0, f"price exit code (stderr: {err})")
    check_in("priced 8 of 10 spells", out, "price summary")
    # The stored tariff is the good one: the bad import changed nothing.
    check_in("total 21598.66, unpriced 2", out, "price summary")
    check_in("unpriced: spell RTH/S0009: HRG WA14Z has no non-elective price in the tariff", out, "unpriced reason")


def price_explains_one_spell(context):
    code, out, err = careidctl(context, "price", "--year", kYear, "--provider", "RGR", "--spell", "S0002")
    check_equal(code, 0, f"price --spell exit code (stderr: {err})")
    for line in ["non-elective price for DZ11N: 1840.00",
                 "3 days beyond the trim point of 9 days at 230.00 a day: 690.00",
                 "market forces factor 1.043771894 for RGR: +110.74",
                 "total: 2640.74"]:
        check_in(line, out, "explanation of S0002")

    code, out, err = careidctl(context, "price", "--year", kYear, "--provider", "RGR", "--spell", "S0003")
    check_equal(code, 0, "price --spell S0003 exit code")
    check_in("reduced short stay emergency price for DZ11N: 718.00", out, "explanation of S0003")


def extract_per_commissioner(context):
    out_file = os.path.join(context.work_dir, "06T.csv")
    code, out, err = careidctl(context, "extract", "--year", kYear, "--commissioner", "06T", "--out", out_file)
    check_equal(code, 0, f"extract exit code (stderr: {err})")
    with open(out_file, newline="", encoding="utf-8") as handle:
        rows = {row["spell_number"]: row for row in csv.DictReader(handle)}
    check_equal(sorted(rows), ["S0001", "S0002", "S0003", "S0004", "S0008", "S0009", "S0010"], "extract spells")
    s0002 = rows["S0002"]
    check_equal((s0002["price_basis"], s0002["base_price"], s0002["excess_days"], s0002["long_stay_payment"],
                 s0002["mff"], s0002["mff_adjustment"], s0002["total"]),
                ("non-elective", "1840.00", "3", "690.00", "1.043771894", "110.74", "2640.74"), "S0002 components")
    check_equal(rows["S0004"]["price_basis"], "non-elective", "child's short stay basis")
    check_equal(rows["S0010"]["status"], "unpriced", "S0010 status")


def extract_per_provider_and_period(context):
    out_file = os.path.join(context.work_dir, "RGR-july.csv")
    code, out, err = careidctl(context, "extract", "--year", kYear, "--provider", "RGR", "--from", "2015-07-01",
                               "--to", "2015-07-31", "--out", out_file)
    check_equal(code, 0, f"extract exit code (stderr: {err})")
    check_in("priced 3 of 3 spells", out, "extract summary")
    with open(out_file, newline="", encoding="utf-8") as handle:
        totals = {row["spell_number"]: row["total"] for row in csv.DictReader(handle)}
    check_equal(totals, {"S0005": "927.91", "S0006": "5859.74", "S0007": "7275.09"}, "RGR July totals")


def extract_errors(context):
    out_file = os.path.join(context.work_dir, "none.csv")
    code, out, err = careidctl(context, "extract", "--year", kYear, "--out", out_file)
    check_equal(code, 1, "extract without provider or commissioner")
    check_in("give exactly one of --provider and --commissioner", err, "extract error")

    code, out, err = careidctl(context, "price", "--year", "2016/17")
    check_equal(code, 1, "price for a year without a tariff")
    check_in("no tariff for 2016/17", err, "price error")

    code, out, err = careidctl(context, "import-tariff", "--year", "2015-16", tariff_file(context))
    check_equal(code, 1, "import-tariff with a malformed year")
    check_in("invalid --year '2015-16'", err, "import-tariff error")


if __name__ == "__main__":
    harness.main("sus-cli", cases=[], standalone_cases=[
        import_tariff, bad_tariff_keeps_stored_year, import_mff, import_spells_with_rejects, price_all_spells,
        price_explains_one_spell, extract_per_commissioner, extract_per_provider_and_period, extract_errors])
