"""End-to-end test of RBAC import, positions, registration, role profiles, `access explain`
and bulk intake: careidctl against a running careidd over LDAP.

The cases run in order against one demo directory: the RBAC sample files are imported
first, then people are registered and given roles, and the intake runs twice. Then intake
issues cards on SoftHSM 2 tokens in the data folder (one token per person, labelled with the
uid), reruns skip the people whose cards exist, and `careidctl pki issue-card` issues a
soft card to a registered person only.
"""

import csv
import json
import os
import re
import sys

# Keep __pycache__ out of the source tree.
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
from harness import check, check_equal, check_in  # noqa: E402

kOrg = "R0A"
kDay = "2026-12-04"
kPositionDn = "cn=Trust Doctor,uniqueIdentifier=R0A,ou=Organisations,o=nhs"


kSoPin = "87654321"
kPin = "123456"
kWrongPin = "999999"


class State:
    """Values one case hands to the next."""
    uid = None
    profile_id = None
    staff_file = None


def careidctl(context, *args):
    """Run careidctl; return (code, stdout, stderr)."""
    return harness.run([context.careid.careidctl, *args])


def as_admin(context, *args):
    """Run a careidctl LDAP command bound as the directory administrator."""
    password_file = os.path.join(context.careid.data_dir, "admin-password")
    return careidctl(context, *args, "--url", context.careid.ldap_url, "--bind-dn", harness.kAdminDn,
                     "--password-file", password_file)


def sample(context, name):
    return os.path.join(context.args.source_dir, "data", "reference", f"rbac-{name}-sample.csv")


def import_sample(context):
    config = os.path.join(context.careid.data_dir, "careid.toml")
    return careidctl(context, "rbac", "import", "--config", config, "--activities", sample(context, "activities"),
                     "--baseline", sample(context, "baseline"), "--areas-of-work", sample(context, "areas-of-work"))


def rbac_import_and_rerun(context):
    code, out, err = import_sample(context)
    check_equal(code, 0, f"first import exit code (stderr: {err})")
    check_in("14 activities", out, "first import summary")
    check_in("0 unchanged", out, "first import summary")

    code, out, err = import_sample(context)
    check_equal(code, 0, f"second import exit code (stderr: {err})")
    check_in("0 entries added, 0 replaced", out, "second import summary")

    records = audit_records(context, "rbac.import")
    check_equal(len(records), 2, f"rbac.import audit records: {records}")

    code, out = harness.ldap_tool(context.careid, "ldapsearch",
                                  ["-b", "ou=Activities,ou=Roles,o=nhs", "(uniqueIdentifier=B1102)",
                                   "careidIncludedActivityCode"], bind_admin=True)
    check_equal(code, 0, "ldapsearch of B1102")
    check_in("careidIncludedActivityCode: B1101", out, "B1102 entry")


def rbac_import_rejects_cycle(context):
    folder = context.subdir("cycle")
    activities = os.path.join(folder, "activities.csv")
    with open(activities, "w") as handle:
        handle.write("code,name,includes\nB0001,One,B0002\nB0002,Two,B0001\n")
    baseline = os.path.join(folder, "baseline.csv")
    with open(baseline, "w") as handle:
        handle.write("job_role,area_of_work,activities\nR8000,,B0001\n")
    config = os.path.join(context.careid.data_dir, "careid.toml")
    code, out, err = careidctl(context, "rbac", "import", "--config", config, "--activities", activities,
                               "--baseline", baseline)
    check_equal(code, 1, "exit code of an import with a cycle")
    check_in("B0001 -> B0002 -> B0001", err, "cycle message")


def person_register(context):
    code, out, err = as_admin(context, "person", "register", "--given-name", "Ada", "--surname", "Lovelace",
                              "--mail", "ada.lovelace@example.nhs.uk", "--id-check-level", "3")
    check_equal(code, 0, f"register exit code (stderr: {err})")
    uid = out.strip()
    check(re.fullmatch(r"[1-9]\d{11}", uid) is not None, f"allocated uid {uid!r} is not 12 digits")
    State.uid = uid

    code, out = harness.ldap_tool(context.careid, "ldapsearch",
                                  ["-b", f"uid={uid},ou=People,o=nhs", "-s", "base", "(objectClass=*)",
                                   "careidIdentityCheckLevel", "mail"], bind_admin=True)
    check_equal(code, 0, "ldapsearch of the new person")
    check_in("careidIdentityCheckLevel: 3", out, "new person entry")

    code, out, err = as_admin(context, "person", "register", "--uid", "123456789012", "--given-name", "Mary",
                              "--surname", "Seacole", "--mail", "mary.seacole@example.nhs.uk",
                              "--id-check-level", "2")
    check_equal(code, 0, f"register with --uid exit code (stderr: {err})")
    check_equal(out.strip(), "123456789012", "uid printed")


def person_register_errors(context):
    code, out, err = as_admin(context, "person", "register", "--given-name", "Ada", "--surname", "Again",
                              "--mail", "ada.lovelace@example.nhs.uk", "--id-check-level", "3")
    check_equal(code, 1, "exit code for a repeated mail")
    check_in(f"already registered as uid {State.uid}", err, "repeated mail message")

    code, out, err = as_admin(context, "person", "register", "--uid", "12345", "--given-name", "A",
                              "--surname", "B", "--mail", "a.b@example.nhs.uk", "--id-check-level", "1")
    check_equal(code, 1, "exit code for a short uid")
    check_in("invalid uid '12345'", err, "short uid message")


def position_create(context):
    code, out, err = as_admin(context, "position", "create", "--org", kOrg, "--name", "Trust Doctor",
                              "--base-role", "R8000", "--add-activity", "B0264", "--workgroup", "WG1",
                              "--application", "ward-system")
    check_equal(code, 0, f"position create exit code (stderr: {err})")
    check_equal(out.strip(), kPositionDn, "position DN")

    code, out, err = as_admin(context, "position", "create", "--org", kOrg, "--name", "Bad Extra",
                              "--base-role", "R8000", "--add-activity", "B9999")
    check_equal(code, 1, "exit code for an unknown activity")
    check_in("unknown activity code 'B9999'", err, "unknown activity message")


def role_assign_errors(context):
    cases = [
        (["--org", "ZZZ99", "--job-role", "R8000"], "unknown organisation code 'ZZZ99'"),
        (["--org", kOrg, "--job-role", "R0000"], "unknown job role 'R0000'"),
        (["--org", kOrg, "--job-role", "R8000", "--start", "2026-12-01", "--end", "2026-11-01"],
         "is not after start date"),
        (["--org", kOrg, "--position", "No Such Position"], "unknown position"),
        (["--org", kOrg, "--job-role", "R8000", "--start", "2026-13-01"], "invalid date '2026-13-01'"),
    ]
    for extra, expected in cases:
        code, out, err = as_admin(context, "role", "assign", "--uid", State.uid, *extra)
        check_equal(code, 1, f"exit code for {extra}")
        check_in(expected, err, f"message for {extra}")

    code, out, err = as_admin(context, "role", "assign", "--uid", "999999999999", "--org", kOrg,
                              "--job-role", "R8000")
    check_equal(code, 1, "exit code for an unknown uid")
    check_in("no person with uid 999999999999", err, "unknown uid message")


def role_assign_and_explain(context):
    code, out, err = as_admin(context, "role", "assign", "--uid", State.uid, "--org", kOrg,
                              "--position", "Trust Doctor", "--start", "2026-12-01")
    check_equal(code, 0, f"role assign exit code (stderr: {err})")
    State.profile_id = out.strip()
    check(re.fullmatch(r"\d{12}", State.profile_id) is not None, f"role profile id {State.profile_id!r}")

    code, out, err = as_admin(context, "role", "assign", "--uid", State.uid, "--org", kOrg,
                              "--position", kPositionDn, "--start", "2026-12-01")
    check_equal(code, 0, "repeated assign exit code")
    check_in(f"{State.profile_id} (already present)", out, "repeated assign output")

    code, out, err = as_admin(context, "access", "explain", "--uid", State.uid, "--activity", "B0264",
                              "--org", kOrg, "--date", kDay)
    check_equal(code, 0, f"explain B0264 exit code (stdout: {out}, stderr: {err})")
    check_in("GRANTED: B0264", out, "explain B0264")
    check_in("position extra B0264", out, "explain B0264")

    code, out, err = as_admin(context, "access", "explain", "--uid", State.uid, "--activity", "B1103",
                              "--org", kOrg, "--date", kDay)
    check_equal(code, 0, f"explain B1103 exit code (stdout: {out})")
    check_in("B1102 -> B1101 -> B1103", out, "include chain of B1103")

    code, out, err = as_admin(context, "access", "explain", "--uid", State.uid, "--activity", "B1106",
                              "--org", kOrg, "--date", kDay)
    check_equal(code, 1, "explain B1106 exit code")
    check_in("DENIED: B1106", out, "explain B1106")

    code, out, err = as_admin(context, "access", "explain", "--uid", State.uid, "--activity", "B0264",
                              "--org", kOrg, "--date", "2026-11-30")
    check_equal(code, 1, "explain before the start date")
    check_in("not started: starts 2026-12-01", out, "explain before the start date")


def role_end(context):
    code, out, err = as_admin(context, "role", "end", "--uid", State.uid, "--role-profile", State.profile_id,
                              "--date", "2026-11-01")
    check_equal(code, 1, "exit code for an end before the start")
    check_in("is not after the start date 2026-12-01", err, "end before start message")

    code, out, err = as_admin(context, "role", "end", "--uid", State.uid, "--role-profile", State.profile_id,
                              "--date", "2026-12-10")
    check_equal(code, 0, f"role end exit code (stderr: {err})")

    code, out, err = as_admin(context, "access", "explain", "--uid", State.uid, "--activity", "B0264",
                              "--org", kOrg, "--date", "2026-12-10")
    check_equal(code, 1, "explain after the end date")
    check_in("(ended 2026-12-10)", out, "explain after the end date")


def explain_with_card(context):
    # The card holder binds with SASL EXTERNAL and reads their own role profiles. What else
    # the explanation shows (the baseline entries) is up to the directory's access policy.
    certificate, key, _ = context.careid.card()
    code, out, err = careidctl(context, "access", "explain", "--url", context.careid.ldap_url,
                               "--cert", certificate, "--key", key, "--ca", context.careid.server_ca,
                               "--uid", harness.kDemoUid, "--activity", "B0825", "--date", kDay)
    check(code in (0, 1), f"explain over SASL EXTERNAL exit code {code} (stderr: {err})")
    check_in("role profile 555000000003 at R0A: job role R8000", out, "demo person's profile")

    code, out, err = as_admin(context, "access", "explain", "--uid", harness.kDemoUid, "--activity", "B0825",
                              "--date", kDay)
    check_equal(code, 0, f"explain as admin exit code (stdout: {out}, stderr: {err})")
    check_in("GRANTED: B0825", out, "demo person's baseline activity")

    code, out, err = as_admin(context, "access", "explain", "--uid", "999999999999", "--activity", "B0825")
    check_equal(code, 1, "explain for an unknown uid exit code")
    check_in("no person uid=999999999999 under ou=People,o=nhs", err, "explain for an unknown uid message")


def write_intake(path, rows):
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["given_name", "surname", "mail", "org", "job_role", "position", "start_date",
                         "id_check_level", "uid"])
        writer.writerows(rows)


def intake_with_bad_rows(context):
    folder = context.subdir("intake")
    staff = os.path.join(folder, "staff.csv")
    good = [[f"Given{i}", f"Surname{i}", f"person{i}@example.nhs.uk", kOrg, "R8001", "", "2026-12-01", "2", ""]
            for i in range(5)]
    good.append(["Pos", "Holder", "pos.holder@example.nhs.uk", kOrg, "", "Trust Doctor", "2026-12-01", "3", ""])
    bad = [
        ["Bad", "Org", "bad.org@example.nhs.uk", "ZZZ99", "R8001", "", "2026-12-01", "2", ""],
        ["Bad", "Date", "bad.date@example.nhs.uk", kOrg, "R8001", "", "01/12/2026", "2", ""],
        ["No", "Role", "no.role@example.nhs.uk", kOrg, "", "", "2026-12-01", "2", ""],
        ["Bad", "Level", "bad.level@example.nhs.uk", kOrg, "R8001", "", "2026-12-01", "7", ""],
    ]
    write_intake(staff, good + bad)
    report = os.path.join(folder, "rejected.csv")

    code, out, err = as_admin(context, "intake", "--csv", staff, "--report", report)
    check_equal(code, 1, f"intake exit code with rejected rows (stdout: {out}, stderr: {err})")
    check_in("rows: 10, registered: 6, role profiles added: 6, already done: 0, rejected: 4", out, "summary")
    check_in("intake: 10/10 rows", err, "plain progress lines")
    with open(report, newline="") as handle:
        rejected = list(csv.DictReader(handle))
    check_equal([row["line"] for row in rejected], ["8", "9", "10", "11"], "rejected lines")
    check_in("unknown organisation code 'ZZZ99'", rejected[0]["reason"], "line 8 reason")
    check_in("invalid date '01/12/2026'", rejected[1]["reason"], "line 9 reason")
    check_in("either a job role or a position", rejected[2]["reason"], "line 10 reason")
    check_in("identity check level 7", rejected[3]["reason"], "line 11 reason")

    # Rows rejected before registration leave no person behind.
    code, out = harness.ldap_tool(context.careid, "ldapsearch",
                                  ["-b", "ou=People,o=nhs", "-s", "one", "(mail=bad.org@example.nhs.uk)", "uid"],
                                  bind_admin=True)
    check_equal(code, 0, "search for a rejected person")
    check("uid:" not in out, f"rejected row registered a person:\n{out}")

    code, out, err = as_admin(context, "intake", "--csv", staff, "--report", report)
    check_equal(code, 1, f"rerun exit code (stdout: {out}, stderr: {err})")
    check_in("rows: 10, registered: 0, role profiles added: 0, already done: 6, rejected: 4", out, "rerun summary")
    State.staff_file = staff


def secret_file(context, name, value):
    path = os.path.join(context.subdir("secrets"), name)
    with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as handle:
        handle.write(value + "\n")
    return path


def intake_with_cards(context, staff, report):
    """Run intake --issue-cards as the directory administrator; return (code, stdout, stderr)."""
    return as_admin(context, "intake", "--csv", staff, "--report", report, "--issue-cards",
                    "--data", context.careid.data_dir, "--so-pin-file", secret_file(context, "so-pin", kSoPin),
                    "--pin-file", secret_file(context, "pin", kPin))


def uid_of(context, mail):
    code, out = harness.ldap_tool(context.careid, "ldapsearch",
                                  ["-b", "ou=People,o=nhs", "-s", "one", f"(mail={mail})", "uid"], bind_admin=True)
    check_equal(code, 0, f"search for {mail}")
    found = re.search(r"^uid: (\d{12})$", out, re.MULTILINE)
    check(found, f"no uid for {mail}:\n{out}")
    return found.group(1)


def audit_records(context, event):
    config = os.path.join(context.careid.data_dir, "careid.toml")
    code, out, err = careidctl(context, "audit", "export", "--config", config, "--event", event)
    check_equal(code, 0, f"audit export exit code (stderr: {err})")
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def card_issue_records(context):
    return audit_records(context, "card.issue")


def intake_issues_cards(context):
    folder = context.subdir("intake-cards")
    staff = os.path.join(folder, "staff.csv")
    rows = [[f"Card{i}", f"Holder{i}", f"card{i}@example.nhs.uk", kOrg, "R8001", "", "2026-12-01", "2", ""]
            for i in range(3)]
    # A token for this uid exists already with another user PIN, so its card fails.
    locked_uid = "100000000077"
    rows.append(["Other", "Pin", "other.pin@example.nhs.uk", kOrg, "R8001", "", "2026-12-01", "2", locked_uid])
    write_intake(staff, rows)
    code, out, err = careidctl(context, "card", "init-token", "--data", context.careid.data_dir,
                               "--label", locked_uid, "--so-pin-file", secret_file(context, "so-pin", kSoPin),
                               "--pin-file", secret_file(context, "wrong-pin", kWrongPin))
    check_equal(code, 0, f"card init-token exit code (stderr: {err})")
    report = os.path.join(folder, "rejected.csv")

    code, out, err = intake_with_cards(context, staff, report)
    check_equal(code, 1, f"intake --issue-cards exit code (stdout: {out}, stderr: {err})")
    check_in("rows: 4, registered: 4, role profiles added: 4, already done: 0, rejected: 1, cards issued: 3",
             out, "intake --issue-cards summary")
    check_in("intake: 4/4 rows", err, "progress lines")
    with open(report, newline="") as handle:
        rejected = list(csv.DictReader(handle))
    check_equal([row["line"] for row in rejected], ["5"], "rejected lines")
    check_in(f"card for uid {locked_uid}", rejected[0]["reason"], "line 5 reason")
    check_in("CKR_PIN_INCORRECT", rejected[0]["reason"], "line 5 reason")

    # The card is on the person's own token: key pair and certificate labelled with the uid.
    uid = uid_of(context, "card0@example.nhs.uk")
    code, out, err = careidctl(context, "card", "show", "--data", context.careid.data_dir, "--token-label", uid,
                               "--pin-file", secret_file(context, "pin", kPin))
    check_equal(code, 0, f"card show exit code (stderr: {err})")
    check_in(f"private key  label '{uid}'", out, "private key on the token")
    check_in("not extractable", out, "private key on the token")
    check_in(f"CN={uid}", out, "certificate on the token")

    records = card_issue_records(context)
    issued = {record["subject"] for record in records if record["outcome"] == "success"}
    for i in range(3):
        check_in(uid_of(context, f"card{i}@example.nhs.uk"), issued, f"card.issue record of card{i}")
    failed = [record for record in records if record["subject"] == locked_uid and record["outcome"] == "failure"]
    check_equal(len(failed), 1, f"failed card.issue records of {locked_uid}")

    code, out, err = intake_with_cards(context, staff, report)
    check_equal(code, 1, f"rerun exit code (stdout: {out}, stderr: {err})")
    check_in("rows: 4, registered: 0, role profiles added: 0, already done: 3, rejected: 1, cards issued: 0",
             out, "rerun summary")
    check_equal(len(card_issue_records(context)), len(records) + 1, "card.issue records after the rerun")


def intake_cards_for_registered_people(context):
    # The people of the first intake have no cards yet: a rerun with --issue-cards adds them.
    report = os.path.join(context.subdir("intake"), "rejected-cards.csv")
    code, out, err = intake_with_cards(context, State.staff_file, report)
    check_equal(code, 1, f"intake exit code (stdout: {out}, stderr: {err})")
    check_in("rows: 10, registered: 0, role profiles added: 0, already done: 0, rejected: 4, cards issued: 6",
             out, "summary")

    code, out, err = intake_with_cards(context, State.staff_file, report)
    check_equal(code, 1, f"rerun exit code (stdout: {out}, stderr: {err})")
    check_in("rows: 10, registered: 0, role profiles added: 0, already done: 6, rejected: 4, cards issued: 0",
             out, "rerun summary")


def pki_issue_card_checks_uid(context):
    data = context.careid.data_dir
    code, out, err = careidctl(context, "pki", "issue-card", "--data", data, "--uid", "999999999998")
    check_equal(code, 1, "issue-card for an unknown uid exit code")
    check_in("no person with uid 999999999998", err, "issue-card for an unknown uid message")
    check(not os.path.exists(os.path.join(data, "pki", "cards", "999999999998.pem")),
          "issue-card wrote a certificate for an unknown uid")

    uid = uid_of(context, "card1@example.nhs.uk")
    code, out, err = careidctl(context, "pki", "issue-card", "--data", data, "--uid", uid)
    check_equal(code, 0, f"issue-card exit code (stderr: {err})")
    issued = re.search(r"issued card ([0-9a-f]+) for (\S+), valid until (\S+)", out)
    check(issued, f"issue-card output names no serial, subject and end:\n{out}")
    check_equal(len(issued.group(1)) % 2, 0, f"hex digits of serial {issued.group(1)}")
    check_in(f"CN={uid}", issued.group(2), "issued subject")
    check(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", issued.group(3)), f"not-after {issued.group(3)}")

    serial = issued.group(1).lstrip("0")
    matching = [record for record in card_issue_records(context)
                if record["subject"] == uid and record["details"].get("serial") == serial]
    check_equal(len(matching), 1, f"card.issue records for serial {serial}")


if __name__ == "__main__":
    harness.main("registration", [
        rbac_import_and_rerun,
        rbac_import_rejects_cycle,
        person_register,
        person_register_errors,
        position_create,
        role_assign_errors,
        role_assign_and_explain,
        role_end,
        explain_with_card,
        intake_with_bad_rows,
        intake_issues_cards,
        intake_cards_for_registered_people,
        pki_issue_card_checks_uid,
    ])
