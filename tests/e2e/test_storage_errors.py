"""Storage errors seen by an LDAP client and an operator: map full, a failed write, and a
store folder careidd may not write.

A full map (map_size_mib = 16) must give unwillingToPerform with a diagnostic that names
map_size_mib, and a log line that names the store folder and map_size_mib. A failed write
comes from starting careidd with RLIMIT_FSIZE a little above the store's size: the write
past the limit is cut short, as on a full disk, and LMDB reports EIO. It must give the
result `other`, and a log line that names the store folder, its free space and the file
size limit. In both cases careidd must keep serving reads, and after a restart with the
limit raised every acknowledged entry must be there, new writes must work and `careidctl
directory check` must pass. A store folder without write permission must stop careidd at
start-up with a message that names the folder. As root, that case runs careidd as
`nobody`, because root ignores permission bits.
"""

import os
import re
import resource
import shutil
import signal
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
from harness import check, check_equal, check_in, kBaseDn, kDemoUid, ldap_tool  # noqa: E402
from write_load import add_unit, connect  # noqa: E402

kFillOu = f"ou=Storage Test,{kBaseDn}"
# Each filler entry contains kValuesPerEntry description values of 1,000 characters.
kValuesPerEntry = 200
kMaxFillEntries = 400
kUnwillingToPerform = 53
kOther = 80
kNobody = 65534


class State:
    added = []  # DNs of filler entries that careidd acknowledged


def config_path(careid):
    return os.path.join(careid.data_dir, "careid.toml")


def store_folder(careid):
    return os.path.join(careid.data_dir, "store")


def check_names_store(careid, text, source):
    """Check that `text` names the store folder, which careidd spells <data_dir>/./store
    because the demo configuration sets data_dir = "."."""
    pattern = re.escape(careid.data_dir) + r"(/\.)?/store\b"
    check(re.search(pattern, text) is not None, f"{source} does not name the store folder "
                                                f"{store_folder(careid)}:\n{text[-2000:]}")


def set_map_size(careid, mib):
    with open(config_path(careid)) as handle:
        text = handle.read()
    text, count = re.subn(r"^map_size_mib = \d+$", f"map_size_mib = {mib}", text, flags=re.M)
    check_equal(count, 1, "map_size_mib lines in careid.toml")
    with open(config_path(careid), "w") as handle:
        handle.write(text)


def fill_until_rejected(careid, prefix):
    """Add large entries until careidd rejects one; return its (result, message)."""
    add_unit(careid, kFillOu)
    connection = connect(careid)
    try:
        for number in range(kMaxFillEntries):
            cn = f"{prefix}-{number}"
            dn = f"cn={cn},{kFillOu}"
            values = [f"{index:04d}" + "x" * 996 for index in range(kValuesPerEntry)]
            if connection.add(dn, ["device"], {"cn": cn, "description": values}):
                State.added.append(dn)
                continue
            return connection.result["result"], connection.result["message"]
        raise harness.CheckFailed(f"{kMaxFillEntries} entries of {kValuesPerEntry} KB were all "
                                  f"accepted; the limit never took effect")
    finally:
        connection.unbind()


def check_reads_work(careid):
    code, output = ldap_tool(careid, "ldapsearch", ["-b", f"uid={kDemoUid},ou=People,{kBaseDn}",
                                                    "-s", "base", "(objectClass=*)", "uid"],
                             bind_admin=True)
    check_equal(code, 0, f"ldapsearch after a rejected write ({output.strip()[:300]})")
    check_in(f"uid: {kDemoUid}", output, "ldapsearch after a rejected write")


def check_store_recovered(context, prefix):
    """Restart careidd without the limit and check the data, a new write and the store."""
    careid = context.careid
    careid.stop()
    careid.start()
    connection = connect(careid)
    try:
        connection.search(kFillOu, "(objectClass=device)", attributes=["cn"])
        stored = {entry["dn"].lower() for entry in connection.response
                  if entry.get("type") == "searchResEntry"}
        missing = [dn for dn in State.added if dn.lower() not in stored]
        check(not missing, f"{len(missing)} acknowledged entries are missing after the restart, "
                           f"for example {missing[:3]}")
        check(connection.add(f"cn={prefix}-after,{kFillOu}", ["device"], {"cn": f"{prefix}-after"}),
              f"add after raising the limit: {connection.result}")
    finally:
        connection.unbind()

    code, out, err = harness.run([careid.careidctl, "directory", "check", "--config",
                                  config_path(careid)], timeout=120)
    check_equal(code, 0, f"directory check exit code (stdout {out!r}, stderr {err!r})")


def test_map_full_rejects_writes(context):
    careid = context.careid
    careid.stop()
    set_map_size(careid, 16)
    careid.start()
    result, message = fill_until_rejected(careid, "map")
    check_equal(result, kUnwillingToPerform, f"result code of the add that filled the map ({message})")
    check_in("map_size_mib", message, "diagnostic of the add that filled the map")
    log = harness.tail(careid.log_path, 400)
    check_in("raise map_size_mib in the configuration", log, "careidd log after the map filled")
    check_names_store(careid, log, "careidd log after the map filled")
    check(careid.daemon.running(), "careidd stopped after the map filled")
    check_reads_work(careid)


def test_store_usable_after_map_size_raised(context):
    set_map_size(context.careid, 16384)
    check_store_recovered(context, "map")


def test_file_size_limit_rejects_writes(context):
    careid = context.careid
    careid.stop()
    limit = os.path.getsize(os.path.join(store_folder(careid), "data.mdb")) + (1 << 20)

    def limit_file_size():
        # Ignored, SIGXFSZ lets write(2) fail with EFBIG instead of ending careidd.
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    careid.log_path = os.path.join(context.work_dir, "careidd-file-size-limit.log")
    careid.start(popen_options={"preexec_fn": limit_file_size})
    result, message = fill_until_rejected(careid, "fsize")
    check_equal(result, kOther, f"result code of the add past the file size limit ({message})")
    check_in("could not read or write its files", message, "diagnostic of the failed write")
    log = harness.tail(careid.log_path, 400)
    check_in("MiB free on its file system", log, "careidd log after the failed write")
    check_in("the file size limit (ulimit -f)", log, "careidd log after the failed write")
    check_names_store(careid, log, "careidd log after the file size limit")
    check(careid.daemon.running(), "careidd stopped after the file size limit")
    check_reads_work(careid)


def test_store_usable_after_file_limit_lifted(context):
    check_store_recovered(context, "fsize")


def test_read_only_store_folder_stops_start(context):
    careid = context.careid
    careid.stop()
    store = store_folder(careid)
    mode = os.stat(store).st_mode & 0o777
    popen_options = {}
    if os.geteuid() == 0:
        # careidd runs as the unprivileged user `nobody`, which must reach the data folder and
        # own everything in it, so that only the store folder's mode stops careidd.
        os.chmod(context.work_dir, 0o711)
        for folder, names, files in os.walk(careid.data_dir):
            for name in [folder] + [os.path.join(folder, file) for file in files]:
                os.chown(name, kNobody, kNobody)
        shutil.chown(careid.log_path, kNobody, kNobody)
        popen_options = {"user": kNobody, "group": kNobody, "extra_groups": []}
    os.chmod(store, 0o500)
    try:
        daemon = harness.ManagedProcess("careidd", [careid.careidd, "--config", config_path(careid)],
                                        careid.log_path + ".read-only", popen_options=popen_options)
        try:
            daemon.process.wait(timeout=30)
        finally:
            daemon.stop()
        output = harness.tail(daemon.log_path)
        check(daemon.process.returncode not in (0, None),
              f"careidd started on a read-only store folder; output:\n{output}")
        check_in("open storage folder in", output, "careidd start-up error")
        check_names_store(careid, output, "careidd start-up error")
        check_in("needs read and write access", output, "careidd start-up error")
    finally:
        os.chmod(store, mode)
        if os.geteuid() == 0:
            for folder, names, files in os.walk(careid.data_dir):
                for name in [folder] + [os.path.join(folder, file) for file in files]:
                    os.chown(name, 0, 0)
            os.chmod(context.work_dir, 0o700)
    careid.start()
    check_reads_work(careid)


kCases = [test_map_full_rejects_writes, test_store_usable_after_map_size_raised,
          test_file_size_limit_rejects_writes, test_store_usable_after_file_limit_lifted,
          test_read_only_store_folder_stops_start]

if __name__ == "__main__":
    harness.main("storage_errors", kCases)
