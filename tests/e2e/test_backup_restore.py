"""`careidctl backup`, `restore` and `directory check` on a data folder that careidd serves.

Two writer threads add and modify entries below kBackupOu while `careidctl backup` copies
the stores. The manifest must list the directory store and the card registry with the
size and SHA-256 of each copy. `careidctl restore` must fail while careidd listens on
the data folder's ports, and must reject a damaged copy. The fresh data folder of a restore
has the demo folder's files without its stores, on other ports. There the store must pass
`careidctl directory check`. A careidd started there must serve every write acknowledged
before the backup began, the demo person and the demo card's registry record. A second restore
must keep the store it replaces.
"""

import glob
import hashlib
import json
import os
import re
import shutil
import sys
import threading
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
from harness import check, check_equal, check_in, kBaseDn, kDemoUid, ldap_tool  # noqa: E402
from write_load import Ledger, Writer, add_unit, stored_descriptions  # noqa: E402

kBackupOu = f"ou=Backup Test,{kBaseDn}"
kWriters = 2


class State:
    """What the cases share: the backup folder, the writes acknowledged before the backup
    began, and the careid of the fresh data folder."""

    backup = None
    before_backup = {}
    fresh = None


def careidctl(careid, *args):
    return harness.run([careid.careidctl, *args], timeout=180)


def config_of(careid):
    return os.path.join(careid.data_dir, "careid.toml")


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def test_backup_under_write_load(context):
    careid = context.careid
    add_unit(careid, kBackupOu)

    ledger = Ledger()
    stop = threading.Event()
    writers = [Writer(careid, kBackupOu, f"backup-{index}", ledger, stop, index)
               for index in range(kWriters)]
    for writer in writers:
        writer.start()
    try:
        time.sleep(1.0)
        with ledger.lock:
            State.before_backup = dict(ledger.acknowledged)
        State.backup = os.path.join(context.work_dir, "backup")
        code, out, err = careidctl(careid, "backup", "--config", config_of(careid),
                                   "--out", State.backup)
        time.sleep(0.5)
    finally:
        stop.set()
        for writer in writers:
            writer.join(timeout=30)
    check_equal(code, 0, f"careidctl backup exit code (stderr {err!r})")
    check(len(State.before_backup) > 0, "no write was acknowledged before the backup began")
    for writer in writers:
        check(writer.error is None, f"{writer.prefix}: {writer.error}")
    check(len(ledger.acknowledged) > len(State.before_backup),
          "no write was acknowledged while or after the backup ran")
    check_in("copied directory from", out, "backup output")
    check_in("manifest.json", out, "backup output")


def test_manifest_lists_sizes_and_hashes(context):
    with open(os.path.join(State.backup, "manifest.json")) as handle:
        manifest = json.load(handle)
    check_equal(manifest["format"], 1, "manifest format")
    names = [store["name"] for store in manifest["stores"]]
    check_equal(names, ["directory", "card-registry"], "stores in the manifest")
    for store in manifest["stores"]:
        path = os.path.join(State.backup, store["file"])
        check_equal(store["bytes"], os.path.getsize(path), f"size of {store['file']}")
        check_equal(store["sha256"], sha256_of(path), f"SHA-256 of {store['file']}")
        check_equal(os.stat(path).st_mode & 0o777, 0o600, f"mode of {store['file']}")
    check_equal(os.stat(State.backup).st_mode & 0o777, 0o700, "mode of the backup folder")


def test_backup_into_used_folder_rejected(context):
    code, out, err = careidctl(context.careid, "backup", "--config", config_of(context.careid),
                               "--out", State.backup)
    check_equal(code, 1, f"backup into a used folder exit code (stdout {out!r})")
    check_in("is not empty", err, "backup into a used folder message")


def test_restore_refused_while_running(context):
    code, out, err = careidctl(context.careid, "restore", "--from", State.backup,
                               "--config", config_of(context.careid))
    check_equal(code, 1, f"restore while careidd runs exit code (stdout {out!r})")
    check_in("stop careidd before restoring", err, "restore while careidd runs message")


def make_fresh_folder(context):
    """Copy the demo data folder without its stores and give it free ports."""
    source = context.careid
    fresh = harness.Careid(context.args.build_dir, context.subdir("fresh"))
    shutil.copytree(source.data_dir, fresh.data_dir,
                    ignore=lambda folder, names: [name for name in names
                                                  if name in ("store", "registry")])
    with open(config_of(fresh)) as handle:
        text = handle.read()
    text = re.sub(rf"^port = {source.ldap_port}$", f"port = {fresh.ldap_port}", text, flags=re.M)
    text = re.sub(rf"^port = {source.https_port}$", f"port = {fresh.https_port}", text, flags=re.M)
    with open(config_of(fresh), "w") as handle:
        handle.write(text)
    return fresh


def test_restore_rejects_damaged_copy(context):
    State.fresh = make_fresh_folder(context)
    damaged = os.path.join(context.work_dir, "damaged-backup")
    shutil.copytree(State.backup, damaged)
    with open(os.path.join(damaged, "directory", "data.mdb"), "r+b") as handle:
        handle.seek(5000)
        byte = handle.read(1)
        handle.seek(5000)
        handle.write(bytes([byte[0] ^ 0xFF]))

    code, out, err = careidctl(State.fresh, "restore", "--from", damaged,
                               "--config", config_of(State.fresh))
    check_equal(code, 1, f"restore of a damaged backup exit code (stdout {out!r})")
    check_in("SHA-256", err, "restore of a damaged backup message")
    check(not os.path.exists(os.path.join(State.fresh.data_dir, "store")),
          "a rejected restore created the store folder")


def test_restore_into_fresh_folder(context):
    fresh = State.fresh
    code, out, err = careidctl(fresh, "restore", "--from", State.backup, "--config", config_of(fresh))
    check_equal(code, 0, f"restore exit code (stderr {err!r})")
    check_in("restored directory to", out, "restore output")
    check_in("restored card-registry to", out, "restore output")

    code, out, err = careidctl(fresh, "directory", "check", "--config", config_of(fresh))
    check_equal(code, 0, f"directory check exit code (stdout {out!r}, stderr {err!r})")
    check_in("consistent", out, "directory check output")


def test_restored_folder_serves_data(context):
    fresh = State.fresh
    fresh.start()
    context.cleanups.append(fresh.stop)

    stored = stored_descriptions(fresh, kBackupOu)
    missing = [dn for dn in State.before_backup if dn.lower() not in stored]
    check(not missing, f"{len(missing)} writes acknowledged before the backup are missing "
                       f"from the restored store, for example {missing[:3]}")
    code, output = ldap_tool(fresh, "ldapsearch", ["-b", f"uid={kDemoUid},ou=People,{kBaseDn}",
                                                   "-s", "base", "(objectClass=*)", "uid"],
                             bind_admin=True)
    check_equal(code, 0, f"ldapsearch of the demo person in the restored store ({output.strip()})")

    code, out, err = careidctl(fresh, "card", "status", "--data", fresh.data_dir, "--uid", kDemoUid)
    check_equal(code, 0, f"card status in the restored registry (stderr {err!r})")
    check_in(kDemoUid, out, "card status output")
    check_equal(fresh.stop(), 0, "careidd exit code on the restored folder")


def test_second_restore_keeps_previous(context):
    fresh = State.fresh
    code, out, err = careidctl(fresh, "restore", "--from", State.backup, "--config", config_of(fresh))
    check_equal(code, 0, f"second restore exit code (stderr {err!r})")
    check_in("the previous store is in", out, "second restore output")
    previous = glob.glob(os.path.join(fresh.data_dir, "store.before-restore-*"))
    check_equal(len(previous), 1, f"previous stores kept beside {fresh.data_dir}/store")
    check(os.path.exists(os.path.join(previous[0], "data.mdb")), "the kept store has no data.mdb")


kCases = [test_backup_under_write_load, test_manifest_lists_sizes_and_hashes,
          test_backup_into_used_folder_rejected, test_restore_refused_while_running,
          test_restore_rejects_damaged_copy, test_restore_into_fresh_folder,
          test_restored_folder_serves_data, test_second_restore_keeps_previous]

if __name__ == "__main__":
    harness.main("backup_restore", kCases)
