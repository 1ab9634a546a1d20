"""Benchmark additions to the demo LDIF, and the value files the load tools draw from.

`careidctl demo ldif` writes people whose 12-digit ids are scattered at random, which a
load generator reading a file can use but ldclt cannot: ldclt fills one run of X characters
in a DN or filter with a number from a range. So this module appends, to the same LDIF
that both servers load:

- bench people uid=555000000100 ... 555000000999 (the block that the demo generator keeps
  for the demo person, who uses only 555000000001-005), each an nhsPerson with the
  password kBenchPassword as {SSHA} (RFC 2307 form, which careid and slapd both check),
  cn "Bench User NNN", one nhsOrgPerson uniqueIdentifier=555000000NNN under it (the id
  block is the same, but a person carries uid and not uniqueIdentifier, so no value is
  shared) and one nhsOrgPersonRole under that with an id from a 1,000-id block no
  generated entry uses;
- ou=Bench,o=nhs, the parent of the entries that the add cases create, and a pool of
  person entries cn=delNNNNNNN under it for the delete cases to remove.
"""

import base64
import hashlib
import os
import random
import re

kPeopleSuffix = ",ou=People,o=nhs"
kBenchParent = "ou=Bench,o=nhs"
kBenchIdPrefix = "555000000"
kFirstBenchNumber = 100
kMaxBenchPeople = 900
kBenchPassword = "bench-password"
kDeletePrefix = "del"
kDeleteDigits = 7
# At most this many values of each kind go into a value file; a random sample when more.
kMaxValues = 100_000


def ssha(password, salt):
    digest = hashlib.sha1(password.encode() + salt).digest()
    return "{SSHA}" + base64.b64encode(digest + salt).decode()


def bench_uid(number):
    return f"{kBenchIdPrefix}{number:03d}"


def bench_person_dn(number):
    return f"uid={bench_uid(number)}{kPeopleSuffix}"


def delete_dn(number):
    return f"cn={kDeletePrefix}{number:0{kDeleteDigits}d},{kBenchParent}"


def read_entries(path):
    """Yield (dn, {attribute lower: [values]}) from an LDIF file, unfolding lines (RFC 2849)."""
    def finish(lines):
        dn, attributes = None, {}
        for line in lines:
            name, separator, value = re.match(r"^([^:]+)(::?)\s?(.*)$", line).groups()
            if separator == "::":
                value = base64.b64decode(value).decode("utf-8", "replace")
            if name.lower() == "dn":
                dn = value
            else:
                attributes.setdefault(name.lower(), []).append(value)
        return dn, attributes

    lines = []
    with open(path, encoding="utf-8") as handle:
        for raw in handle:
            line = raw.rstrip("\n")
            if line.startswith(" ") and lines:
                lines[-1] += line[1:]
            elif line == "":
                if lines:
                    entry = finish(lines)
                    if entry[0] is not None:
                        yield entry
                lines = []
            elif not line.startswith("#") and not line.startswith("version:"):
                lines.append(line)
    if lines:
        entry = finish(lines)
        if entry[0] is not None:
            yield entry


class Sample:
    """A uniform random sample of at most kMaxValues items (reservoir sampling)."""

    def __init__(self, seed):
        self.items = []
        self.seen = 0
        self.random = random.Random(seed)

    def add(self, item):
        self.seen += 1
        if len(self.items) < kMaxValues:
            self.items.append(item)
        else:
            slot = self.random.randrange(self.seen)
            if slot < kMaxValues:
                self.items[slot] = item


def scan(ldif_path):
    """Read the demo LDIF once; return the value samples, the ids in use and template entries."""
    uids, cn_prefixes, person_dns, org_person_dns = Sample(1), set(), Sample(2), Sample(3)
    used_ids = set()
    templates = {}
    for dn, attributes in read_entries(ldif_path):
        classes = {value.lower() for value in attributes.get("objectclass", [])}
        for value in attributes.get("uniqueidentifier", []) + attributes.get("uid", []):
            used_ids.add(value[:9])
        if "nhsperson" in classes:
            uids.add(attributes["uid"][0])
            person_dns.add(dn)
            given, _, surname = attributes["cn"][0].partition(" ")
            # "Given Sur": an initial substring that a few dozen people share.
            cn_prefixes.add(f"{given} {surname[:3]}")
        elif "nhsorgperson" in classes:
            org_person_dns.add(dn)
            templates.setdefault("org_person", attributes)
        elif "nhsorgpersonrole" in classes:
            templates.setdefault("role_profile", attributes)
    return {"uids": uids.items, "cn_prefixes": sorted(cn_prefixes), "person_dns": person_dns.items,
            "org_person_dns": org_person_dns.items}, used_ids, templates


def free_id_block(used_prefixes):
    """Return a 9-digit prefix under which no generated id lies, for the bench role profiles."""
    for number in range(555_000_001, 999_999_999):
        if str(number) not in used_prefixes:
            return str(number)
    raise RuntimeError("no free 1,000-id block for the bench role profiles")


def bench_entries(people, role_prefix, templates, delete_pool):
    """Return the LDIF text of the bench people, ou=Bench and the delete pool."""
    org, role = templates["org_person"], templates["role_profile"]
    salt_random = random.Random(7)
    blocks = [f"dn: {kBenchParent}\nobjectClass: top\nobjectClass: organizationalUnit\nou: Bench\n"]
    for number in range(kFirstBenchNumber, kFirstBenchNumber + people):
        uid = bench_uid(number)
        person_dn = bench_person_dn(number)
        org_dn = f"uniqueIdentifier={uid},{person_dn}"
        role_id = f"{role_prefix}{number:03d}"
        password = ssha(kBenchPassword, salt_random.randbytes(8))
        blocks.append(
            f"dn: {person_dn}\nobjectClass: top\nobjectClass: person\nobjectClass: organizationalPerson\n"
            f"objectClass: inetOrgPerson\nobjectClass: nhsPerson\nuid: {uid}\ncn: Bench User {number}\n"
            f"sn: User\ngivenName: Bench\nnhsPersonStatus: Active\nuserPassword: {password}\n")
        blocks.append(
            f"dn: {org_dn}\nobjectClass: top\nobjectClass: person\nobjectClass: organizationalPerson\n"
            f"objectClass: inetOrgPerson\nobjectClass: nhsOrgPerson\nuniqueIdentifier: {uid}\n"
            f"uid: {uid}\ncn: Bench User {number}\nsn: User\ngivenName: Bench\n"
            + ldif_line("o", org["o"][0]) + ldif_line("nhsIDCode", org["nhsidcode"][0]))
        blocks.append(
            f"dn: uniqueIdentifier={role_id},{org_dn}\nobjectClass: top\nobjectClass: nhsOrgPersonRole\n"
            f"uniqueIdentifier: {role_id}\n" + ldif_line("nhsJobRole", role["nhsjobrole"][0]) +
            ldif_line("nhsJobRoleCode", role["nhsjobrolecode"][0]) +
            ldif_line("nhsIDCode", role["nhsidcode"][0]))
    for number in range(delete_pool):
        blocks.append(f"dn: {delete_dn(number)}\nobjectClass: top\nobjectClass: person\n"
                      f"cn: {kDeletePrefix}{number:0{kDeleteDigits}d}\nsn: Pool\n")
    return "\n".join(blocks)


def ldif_line(name, value):
    """Return `name: value`, or `name:: base64` when the value is not a SAFE-STRING (RFC 2849)."""
    if value and all(32 <= ord(c) < 127 for c in value) and value[0] not in " :<" and value[-1] != " ":
        return f"{name}: {value}\n"
    return f"{name}:: {base64.b64encode(value.encode()).decode()}\n"


def write_lines(path, lines):
    with open(path, "w") as handle:
        handle.writelines(f"{line}\n" for line in lines)


def prepare(ldif_path, out_dir, bench_people, delete_pool):
    """Append the bench entries to `ldif_path` and write the value files into `out_dir`.

    Returns {name: path} for the value files: uids, cn_prefixes, person_dns, org_person_dns
    and bench_dns.
    """
    if not 1 <= bench_people <= kMaxBenchPeople:
        raise ValueError(f"bench people must be 1-{kMaxBenchPeople}, got {bench_people}")
    values, used_ids, templates = scan(ldif_path)
    if "org_person" not in templates or "role_profile" not in templates:
        raise ValueError(f"{ldif_path} has no nhsOrgPerson or nhsOrgPersonRole entry to copy")
    with open(ldif_path, "a", encoding="utf-8") as handle:
        handle.write("\n" + bench_entries(bench_people, free_id_block(used_ids), templates, delete_pool))

    values["bench_dns"] = [bench_person_dn(n) for n in range(kFirstBenchNumber,
                                                              kFirstBenchNumber + bench_people)]
    paths = {}
    for name, lines in values.items():
        paths[name] = os.path.join(out_dir, f"{name}.txt")
        write_lines(paths[name], lines)
    return paths
