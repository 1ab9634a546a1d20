"""careidd and OpenLDAP slapd side by side under the same LDAP load (ldap_vs_slapd.sh runs it).

Steps: write the demo directory with `careidctl demo ldif`, add the benchmark entries
(ldap_bench_data.py), load the one LDIF into careid (`careidctl load` into an empty store)
and into slapd (`slapadd -q`, back-mdb, careid's schema converted as
tests/e2e/slapd_server.py does), timing both. Then start both on free loopback ports with
the same indexes: equality and presence on kIndexedAttributes, and a substring index on cn
unless --no-substring-index is given. Every case (one operation of kOperations, one tool, one thread count)
runs against careid and then at once against slapd. The tools are ldclt (389-ds-base) at
the --threads counts and ldap_load (tools/loadgen) at the same numbers of connections.
Prints one table with each
server's operations per second, their ratio, p99 latency (ldap_load only) and server CPU
time per operation, then resident memory (VmRSS, VmHWM, RssAnon, RssFile) right after
start and after the run.
With --load-only it stops after the load times, file sizes and memory after start.

Only loopback is used, and every process started here is stopped on every exit path.
"""

import argparse
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True
kHere = os.path.dirname(os.path.abspath(__file__))
kSourceDir = os.path.dirname(os.path.dirname(kHere))
sys.path.insert(0, os.path.join(kSourceDir, "tests", "e2e"))
sys.path.insert(0, kHere)

import harness  # noqa: E402
import ldap_bench_data as data  # noqa: E402
from slapd_server import Slapd, kSlapadd, kSlapd  # noqa: E402

kLdclt = "/usr/bin/ldclt"
kAdminDn = "cn=admin,o=nhs"
kOperations = ("search-uid", "search-cn", "one-level", "bind", "modify", "add", "delete")
# ldclt reports its rate once per sample of this many seconds, so a run lasts whole samples.
kLdcltSampleSeconds = 10
# The attributes careid indexes by default (base/config.h), each with an equality and a
# presence index. slapd gets the same list.
kIndexedAttributes = ("objectClass", "uid", "cn", "sn", "uniqueIdentifier", "nhsIDCode",
                      "nhsJobRoleCode", "mail")
# The attribute that both servers also index for substrings, as a directory searched by
# name would be, unless --no-substring-index is given.
kSubstringIndexed = "cn"
kTicksPerSecond = os.sysconf("SC_CLK_TCK")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build-dir", required=True, help="Release build folder of careid")
    parser.add_argument("--people", type=int, default=100_000, help="generated people")
    parser.add_argument("--seconds", type=float, default=10,
                        help="seconds per ldap_load case; ldclt runs whole 10-s samples")
    parser.add_argument("--threads", default="1,4,16",
                        help="comma-separated ldclt thread and ldap_load connection counts")
    parser.add_argument("--bench-people", type=int, default=data.kMaxBenchPeople,
                        help="people with a password and a fixed uid, for ldclt and bind")
    parser.add_argument("--delete-pool", type=int, default=60_000,
                        help="entries loaded for the delete cases to remove")
    parser.add_argument("--ldclt-threads", default=None,
                        help="thread counts for ldclt (default: --threads)")
    parser.add_argument("--operations", default=",".join(kOperations),
                        help="comma-separated cases to run, from: " + ", ".join(kOperations))
    parser.add_argument("--load-only", action="store_true",
                        help="load both servers, start them and read their memory; run no cases")
    parser.add_argument("--no-substring-index", action="store_true",
                        help=f"index {kSubstringIndexed} for equality and presence only on both "
                             "servers, so that substring filters on it scan the directory")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    return parser.parse_args()


def timed_run(command, what, timeout):
    """Run a command; return its wall-clock seconds. Raise StartupError when it fails."""
    started = time.monotonic()
    code, out, err = harness.run(command, timeout=timeout)
    if code != 0:
        raise harness.StartupError(f"{what} exited with {code}:\n{out}\n{err}")
    return time.monotonic() - started


def folder_bytes(path):
    """Return the disk space the files under `path` use; LMDB files are sparse up to maxsize."""
    return sum(os.stat(os.path.join(folder, name)).st_blocks * 512
               for folder, _, names in os.walk(path) for name in names)


kMemoryFields = ("VmRSS", "VmHWM", "RssAnon", "RssFile")


def process_memory(pid):
    """Return kMemoryFields in MiB from /proc/PID/status. RssFile counts mapped store pages."""
    with open(f"/proc/{pid}/status") as handle:
        text = handle.read()
    return tuple(int(re.search(rf"^{key}:\s+(\d+) kB", text, re.M).group(1)) / 1024
                 for key in kMemoryFields)


def process_cpu_seconds(pid):
    """Return user plus system CPU seconds of a process (proc(5), fields 14 and 15)."""
    with open(f"/proc/{pid}/stat") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / kTicksPerSecond


class Bench:
    """The work folder, both servers and the value files of one run."""

    def __init__(self, args, work):
        self.args = args
        self.work = work
        self.build_dir = os.path.abspath(args.build_dir)
        self.ldap_load = os.path.join(self.build_dir, "tools", "loadgen", "ldap_load")
        self.careid = harness.Careid(self.build_dir, work, people=0)
        self.slapd = None
        self.values = {}
        self.load_seconds = {}
        self.store_bytes = {}
        self.memory = {}
        self.deleted_slices = 0
        self.rows = []
        self.failures = []

    # --- data and servers ------------------------------------------------------------

    def write_ldif(self):
        self.ldif = os.path.join(self.work, "directory.ldif")
        timed_run([self.careid.careidctl, "demo", "ldif", "--out", self.ldif,
                   "--people", str(self.args.people)], "careidctl demo ldif", 3600)
        self.values = data.prepare(self.ldif, self.work, self.args.bench_people,
                                   self.args.delete_pool)
        with open(self.ldif, "rb") as handle:
            self.entries = sum(1 for line in handle if line.startswith(b"dn:"))
        print(f"directory: {self.entries} entries ({self.args.people} generated people, "
              f"{self.args.bench_people} bench people, {self.args.delete_pool} delete-pool "
              f"entries), {os.path.getsize(self.ldif) / 2**20:.0f} MiB of LDIF", flush=True)

    def load_careid(self):
        # demo setup writes the PKI files, the admin password and careid.toml. Its store is
        # replaced by one loaded from the benchmark LDIF, so both servers contain the same entries.
        self.careid.setup()
        config = os.path.join(self.careid.data_dir, "careid.toml")
        with open(config) as handle:
            text = handle.read()
        names = ", ".join(f'"{name}"' for name in kIndexedAttributes)
        lines = f'indexed_attributes = [{names}]\n'
        if not self.args.no_substring_index:
            # careid merges ldap.indexes with indexed_attributes (directory/README.md, Indexes).
            lines += f'indexes = {{ {kSubstringIndexed} = ["eq", "pres", "sub"] }}\n'
        text = text.replace('suffix = "o=nhs"\n', f'suffix = "o=nhs"\n{lines}', 1)
        with open(config, "w") as handle:
            handle.write(text)
        store = os.path.join(self.careid.data_dir, "store")
        shutil.rmtree(store)
        self.load_seconds["careid"] = timed_run(
            [self.careid.careidctl, "load", "--config", config, self.ldif], "careidctl load", 7200)
        self.store_bytes["careid"] = folder_bytes(store)

    def load_slapd(self):
        work = os.path.join(self.work, "slapd")
        os.makedirs(work)
        self.slapd = Slapd(work, kSourceDir, "o=nhs", kAdminDn, self.careid.admin_password)
        lines = self.slapd.configure()
        plain = [name for name in kIndexedAttributes
                 if self.args.no_substring_index or name != kSubstringIndexed]
        index_lines = [f"index {','.join(plain)} eq,pres"]
        if not self.args.no_substring_index:
            index_lines.append(f"index {kSubstringIndexed} eq,pres,sub")
        replaced = []
        for line in lines:
            if line.startswith("index "):
                continue
            if line.startswith("maxsize "):
                # careid's map_size_mib default: 16 GiB of address space, not of memory.
                line = "maxsize 17179869184"
            if line.startswith("access to attrs=userPassword"):
                # As in careid: simple bind may compare the password, and no client reads it.
                line = "access to attrs=userPassword by anonymous auth by * none"
            replaced.append(line)
            if line.startswith("directory "):
                replaced.extend(index_lines)
        with open(self.slapd.config_path, "w") as handle:
            handle.write("\n".join(replaced) + "\n")

        # slapadd 2.5 reads a leading "version: 1" line as an entry without a DN.
        stripped = os.path.join(work, "directory.slapadd.ldif")
        with open(self.ldif, "rb") as source, open(stripped, "wb") as target:
            first = source.readline()
            if not first.startswith(b"version:"):
                target.write(first)
            shutil.copyfileobj(source, target)
        self.load_seconds["slapd"] = timed_run(
            [kSlapadd, "-q", "-f", self.slapd.config_path, "-l", stripped], "slapadd -q", 7200)
        os.remove(stripped)
        self.store_bytes["slapd"] = folder_bytes(self.slapd.db_dir)

    def start(self):
        self.careid.start()
        # -d 0 keeps slapd in the foreground without per-operation logging (careidd logs
        # requests only at debug level).
        self.slapd.process = harness.ManagedProcess(
            "slapd", [kSlapd, "-d", "0", "-h", self.slapd.url + "/", "-f", self.slapd.config_path],
            self.slapd.log_path)
        harness.wait_for_port(self.slapd.process, self.slapd.port, harness.kStartTimeoutSeconds,
                              self.slapd.log_path)
        self.servers = {
            "careid": (self.careid.ldap_port, self.careid.daemon.process.pid),
            "slapd": (self.slapd.port, self.slapd.process.process.pid)}

    def check_same_data(self):
        """Check that a bench person's bind and a role-profile search work on both servers."""
        org_dn = self.values_first("org_person_dns")
        for name, (port, _) in self.servers.items():
            command = ["ldapsearch", "-x", "-LLL", "-H", f"ldap://127.0.0.1:{port}",
                       "-D", data.bench_person_dn(data.kFirstBenchNumber), "-w", data.kBenchPassword,
                       "-s", "one", "-b", org_dn, "(objectClass=nhsOrgPersonRole)", "dn"]
            code, out, err = harness.run(command)
            if code != 0 or "dn:" not in out:
                raise harness.StartupError(f"{name}: sanity search failed ({code}): {out}{err}")

    def values_first(self, name):
        with open(self.values[name]) as handle:
            return handle.readline().strip()

    def stop(self):
        self.careid.stop()
        if self.slapd is not None:
            self.slapd.stop()

    def record_memory(self, moment):
        for name, (_, pid) in self.servers.items():
            self.memory[(name, moment)] = process_memory(pid)

    # --- load ------------------------------------------------------------------------

    def delete_slice(self):
        """Return (first, last) pool numbers for the next delete run; each run gets its own."""
        runs = 2 * len(self.thread_counts)
        size = self.args.delete_pool // runs
        first = self.deleted_slices * size
        self.deleted_slices += 1
        return first, first + size - 1

    def ldclt_command(self, operation, port, threads, run_tag, delete_range):
        bench_first = data.kFirstBenchNumber
        bench_last = bench_first + self.args.bench_people - 1
        admin = ["-D", kAdminDn, "-w", self.careid.admin_password]
        command = [kLdclt, "-h", "127.0.0.1", "-p", str(port), "-n", str(threads),
                   "-N", str(self.ldclt_samples)]
        bench_uid_mask = f"uid={data.kBenchIdPrefix}XXX"
        # careid's default access rules hide entries from anonymous clients, so searches
        # bind as a bench person on both servers.
        if operation in ("search-uid", "search-cn", "one-level"):
            command += ["-D", data.bench_person_dn(bench_first), "-w", data.kBenchPassword]
        if operation == "search-uid":
            command += ["-b", "o=nhs", "-f", bench_uid_mask, "-r", str(bench_first),
                        "-R", str(bench_last), "-e", "esearch,random"]
        elif operation == "search-cn":
            # TODO: with --no-substring-index a search can outlast its case, and the server
            # keeps running it after the client gives up, which loads the cases after it.
            # "Bench User NN*": ten bench people per filter.
            command += ["-b", "o=nhs", "-f", "cn=Bench User XX*", "-r", str(bench_first // 10),
                        "-R", str(bench_last // 10), "-e", "esearch,random"]
        elif operation == "one-level":
            # ldclt fills one run of X only, so it lists a bench person's nhsOrgPerson
            # children; ldap_load lists the role profiles under generated nhsOrgPersons.
            command += ["-b", f"{bench_uid_mask}{data.kPeopleSuffix}", "-s", "one",
                        "-f", "objectClass=nhsOrgPerson", "-e", "esearch,randombase",
                        "-e", f"randombaselow={bench_first},randombasehigh={bench_last}"]
        elif operation == "bind":
            # bindeach with bindonly opens a connection, binds and unbinds for every
            # operation (bindonly alone counts operations without sending any).
            command += ["-D", f"{bench_uid_mask}{data.kPeopleSuffix}", "-w", data.kBenchPassword,
                        "-e", "bindeach,bindonly,randombinddn",
                        "-e", f"randombinddnlow={bench_first},randombinddnhigh={bench_last}"]
        elif operation == "modify":
            command += admin + ["-b", "ou=People,o=nhs", "-f", bench_uid_mask, "-r", str(bench_first),
                                "-R", str(bench_last), "-e", "random,attreplace=description:XXXXXXXX"]
        elif operation == "add":
            command += admin + ["-b", data.kBenchParent, "-f", f"cn=add{run_tag}XXXXXXX", "-r", "0",
                                "-R", "9999999", "-e", "add,person,incr,noloop,commoncounter"]
        elif operation == "delete":
            first, last = delete_range
            command += admin + ["-b", data.kBenchParent, "-f", f"cn={data.kDeletePrefix}XXXXXXX",
                                "-r", str(first), "-R", str(last),
                                "-e", "delete,incr,noloop,commoncounter"]
        return command

    def run_ldclt(self, operation, server, threads, run_tag, delete_range):
        port, pid = self.servers[server]
        command = self.ldclt_command(operation, port, threads, run_tag, delete_range)
        cpu_before = process_cpu_seconds(pid)
        completed = subprocess.run(command, capture_output=True, text=True,
                                   timeout=self.ldclt_samples * kLdcltSampleSeconds + 120)
        cpu = process_cpu_seconds(pid) - cpu_before
        output = completed.stdout + completed.stderr
        match = re.search(r"Global average rate:.*\(\s*([\d.]+|-?nan)/sec\), total:\s+(\d+)", output)
        errors = sum(int(n) for n in re.findall(r"Global error \d+ .* occurs\s+(\d+) times", output))
        if match is None:
            raise RuntimeError(f"ldclt printed no global rate ({' '.join(command)}):\n{output[-2000:]}")
        total = int(match.group(2))
        rate = total / (self.ldclt_samples * kLdcltSampleSeconds)
        return {"rate": rate, "p99": None, "errors": errors, "completed": total,
                "cpu_us": cpu * 1e6 / total if total else None}

    def run_ldap_load(self, operation, server, connections, run_tag, delete_range):
        port, pid = self.servers[server]
        command = [self.ldap_load, "--url", f"ldap://127.0.0.1:{port}", "--operation", operation,
                   "--connections", str(connections), "--threads", str(min(connections, 2)),
                   "--duration", str(self.args.seconds)]
        admin = ["--bind-dn", kAdminDn, "--password-file",
                 os.path.join(self.careid.data_dir, "admin-password")]
        value_files = {"search-uid": "uids", "search-cn": "cn_prefixes", "one-level": "org_person_dns",
                       "bind": "bench_dns", "modify": "person_dns"}
        if operation in value_files:
            command += ["--values", self.values[value_files[operation]]]
        if operation in ("search-uid", "search-cn", "one-level"):
            command += ["--bind-dn", data.bench_person_dn(data.kFirstBenchNumber),
                        "--password-file", self.password_file]
        if operation == "bind":
            command += ["--user-password-file", self.password_file]
        if operation in ("modify", "add", "delete"):
            command += admin
        if operation == "add":
            command += ["--base", data.kBenchParent, "--name-prefix", f"load{run_tag}"]
        if operation == "delete":
            first, last = delete_range
            path = os.path.join(self.work, f"delete-{server}-{run_tag}.txt")
            data.write_lines(path, [data.delete_dn(n) for n in range(first, last + 1)])
            command += ["--values", path]

        cpu_before = process_cpu_seconds(pid)
        completed = subprocess.run(command, capture_output=True, text=True,
                                   timeout=self.args.seconds + 120)
        cpu = process_cpu_seconds(pid) - cpu_before
        fields = dict(re.findall(r"(\w+)=([^\s]+)", completed.stdout))
        if completed.returncode != 0 or "ops_per_s" not in fields:
            raise RuntimeError(f"ldap_load failed ({' '.join(command)}):\n{completed.stdout}"
                               f"{completed.stderr}")
        total = int(fields["completed"])
        return {"rate": float(fields["ops_per_s"]), "p99": float(fields["p99_ms"]),
                "errors": int(fields["errors"]), "completed": total,
                "cpu_us": cpu * 1e6 / total if total else None}

    def run_case(self, runner, operation, server, threads, run_tag, delete_range):
        """Run one case; a failed case becomes a row without figures, and the run goes on."""
        try:
            return runner(operation, server, threads, run_tag, delete_range)
        except (RuntimeError, subprocess.TimeoutExpired) as error:
            self.failures.append(f"{operation} {server} {threads}: {error}")
            print(f"case failed: {operation} on {server} at {threads}: {error}", file=sys.stderr)
            return {"rate": None, "p99": None, "errors": "failed", "completed": 0, "cpu_us": None}

    def run_cases(self):
        self.password_file = os.path.join(self.work, "bench-password")
        with open(self.password_file, "w") as handle:
            handle.write(data.kBenchPassword + "\n")
        self.ldclt_samples = max(1, math.ceil(self.args.seconds / kLdcltSampleSeconds))
        self.thread_counts = [int(n) for n in self.args.threads.split(",")]
        self.operations = self.args.operations.split(",")
        ldclt_counts = ([int(n) for n in self.args.ldclt_threads.split(",")]
                        if self.args.ldclt_threads else self.thread_counts)
        for operation in self.operations:
            for tool, counts, runner in (("ldclt", ldclt_counts, self.run_ldclt),
                                         ("ldap_load", self.thread_counts, self.run_ldap_load)):
                for threads in counts:
                    # Both servers get the same names and pool slice, each in its own copy of the data.
                    run_tag = f"{tool[0]}{threads}"
                    delete_range = self.delete_slice() if operation == "delete" else None
                    results = {server: self.run_case(runner, operation, server, threads, run_tag,
                                                     delete_range)
                               for server in ("careid", "slapd")}
                    self.rows.append((operation, tool, threads, results, delete_range))
                    self.print_row(self.rows[-1])

    # --- report ----------------------------------------------------------------------

    @staticmethod
    def format_number(value, digits=0):
        return "-" if value is None else f"{value:,.{digits}f}"

    def print_header(self):
        if self.args.no_substring_index:
            print(f"indexes: {', '.join(kIndexedAttributes)} eq,pres on both servers; "
                  f"no substring index ({kSubstringIndexed} substring filters scan the directory)")
        else:
            print(f"indexes: {', '.join(kIndexedAttributes)} eq,pres and {kSubstringIndexed} sub "
                  "on both servers")
        print("| operation | tool | threads | careid ops/s | slapd ops/s | careid/slapd | "
              "careid p99 ms | slapd p99 ms | careid CPU us/op | slapd CPU us/op | errors careid/slapd |")
        print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |", flush=True)

    def print_row(self, row):
        operation, tool, threads, results, delete_range = row
        ours, theirs = results["careid"], results["slapd"]
        ratio = ours["rate"] / theirs["rate"] if ours["rate"] is not None and theirs["rate"] else None
        notes = ""
        if delete_range is not None:
            size = delete_range[1] - delete_range[0] + 1
            exhausted = [name for name, result in results.items() if result["completed"] >= size]
            notes = f" (pool of {size} used up by {', '.join(exhausted)}: a lower bound)" if exhausted else ""
        print(f"| {operation} | {tool} | {threads} | {self.format_number(ours['rate'])} | "
              f"{self.format_number(theirs['rate'])} | {self.format_number(ratio, 2)} | "
              f"{self.format_number(ours['p99'], 2)} | {self.format_number(theirs['p99'], 2)} | "
              f"{self.format_number(ours['cpu_us'])} | {self.format_number(theirs['cpu_us'])} | "
              f"{ours['errors']}/{theirs['errors']}{notes} |", flush=True)

    def print_summary(self):
        print("\n| measure | careid | slapd | careid/slapd |")
        print("| --- | ---: | ---: | ---: |")
        ours, theirs = self.load_seconds["careid"], self.load_seconds["slapd"]
        print(f"| load {self.entries:,} entries (careidctl load / slapadd -q), s | {ours:.1f} | "
              f"{theirs:.1f} | {ours / theirs:.2f} |")
        ours, theirs = self.store_bytes["careid"] / 2**20, self.store_bytes["slapd"] / 2**20
        print(f"| database files after load, MiB | {ours:.0f} | {theirs:.0f} | {ours / theirs:.2f} |")
        for moment in ("after start", "after run"):
            if ("careid", moment) not in self.memory:
                continue
            for index, label in enumerate(kMemoryFields):
                ours = self.memory[("careid", moment)][index]
                theirs = self.memory[("slapd", moment)][index]
                print(f"| {label} {moment}, MiB | {ours:.0f} | {theirs:.0f} | {ours / theirs:.2f} |")
        sys.stdout.flush()


def main():
    args = parse_args()
    unknown = [name for name in args.operations.split(",") if name not in kOperations]
    if unknown:
        print(f"ldap_bench: unknown operation '{unknown[0]}' in --operations; "
              f"use some of {', '.join(kOperations)}", file=sys.stderr)
        return 2
    # SIGTERM (a CI timeout) must stop the servers too.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    work = tempfile.mkdtemp(prefix="careid-ldap-bench-")
    bench = Bench(args, work)
    exit_code = 1
    try:
        bench.careid.check_built()
        if not os.access(bench.ldap_load, os.X_OK):
            raise harness.StartupError(f"ldap_load not built at {bench.ldap_load}")
        bench.write_ldif()
        bench.load_careid()
        bench.load_slapd()
        bench.start()
        # Read before any request, so the figure shows what starting the server touches.
        bench.record_memory("after start")
        bench.check_same_data()
        if not args.load_only:
            bench.print_header()
            bench.run_cases()
            bench.record_memory("after run")
        bench.print_summary()
        exit_code = 1 if bench.failures else 0
    except (harness.StartupError, RuntimeError, ValueError, subprocess.TimeoutExpired) as error:
        print(f"ldap_vs_slapd: {error}", file=sys.stderr)
        for log in (bench.careid.log_path, bench.slapd.log_path if bench.slapd else None):
            if log and os.path.exists(log):
                print(f"--- last lines of {log} ---\n{harness.tail(log, 20)}", file=sys.stderr)
    finally:
        bench.stop()
        if args.keep:
            print(f"work folder kept: {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
