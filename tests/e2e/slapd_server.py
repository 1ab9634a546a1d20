"""A private OpenLDAP slapd (Debian 12's slapd 2.5) for side-by-side tests with careidd.

`Slapd` writes a slapd.conf into the test's temporary folder, converts careid's schema
files to a form slapd loads, fills a back-mdb database with slapadd and runs slapd in the
foreground on a free loopback port. It never touches the system's /etc/ldap or its
daemon.

Schema conversion. careid's files follow slapd's `.schema` grammar, but slapd cannot load
them unchanged. `matchingrule` is a careid extension, and slapd has its syntaxes and
matching rules built in. slapd also defines many RFC 4512 attribute types and classes
itself, some only when an overlay module is loaded (memberOf comes with memberof). So the converter first starts a probe
slapd with the same modules and no schema, reads which OIDs and names its cn=Subschema
already has, and writes one file that leaves those out, drops `ldapsyntax` and
`matchingrule` statements and the operational attribute types slapd lacks (it reads
those only from its own code), and orders the rest so that every SUP, MUST and MAY names a
definition that comes earlier (slapd reads definitions in order, careid resolves them at
the end).
"""

import os
import re

import ldap3

import harness
from harness import ManagedProcess, StartupError, free_port, run

kSlapd = "/usr/sbin/slapd"
kSlapadd = "/usr/sbin/slapadd"
kModulePath = "/usr/lib/ldap"
kModules = ("back_mdb", "memberof", "refint")

# careid's load order for slapd: definitions in later files refer to earlier ones.
kSchemaFiles = ("system.schema", "core.schema", "cosine.schema", "inetorgperson.schema",
                "nhs.schema", "careid.schema")

kStatementKeywords = ("attributetype", "objectclass", "ldapsyntax", "matchingrule")


def parse_schema_statements(text):
    """Split a .schema file into (keyword, definition text) pairs, comments dropped."""
    statements = []
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if line[0].isspace() and statements:
            statements[-1][1] += " " + line.strip()
            continue
        keyword, _, rest = line.partition(" ")
        if keyword.lower() not in kStatementKeywords:
            raise ValueError(f"unexpected schema line: {line!r}")
        statements.append([keyword.lower(), rest.strip()])
    return [tuple(statement) for statement in statements]


def definition_oid(definition):
    return definition.strip("( ").split()[0]


def definition_names(definition):
    """Return the NAMEs of one definition, lower case."""
    match = re.search(r"\bNAME\s+(\([^)]*\)|'[^']*')", definition)
    return [name.lower() for name in re.findall(r"'([^']*)'", match.group(1))] if match else []


def definition_references(keyword, definition):
    """Return the lower-case names that must be defined before this definition."""
    references = []
    keywords = ("SUP",) if keyword == "attributetype" else ("SUP", "MUST", "MAY")
    for word in keywords:
        match = re.search(rf"\b{word}\s+(\([^)]*\)|\S+)", definition)
        if match:
            references += [name.lower() for name in re.split(r"[\s()$]+", match.group(1)) if name]
    return references


def convert_schema(schema_dir, known_oids, known_names):
    """Return careid's schema as one slapd-loadable text; see the module docstring."""
    pending = []
    for file_name in kSchemaFiles:
        with open(os.path.join(schema_dir, file_name)) as handle:
            for keyword, definition in parse_schema_statements(handle.read()):
                if keyword in ("ldapsyntax", "matchingrule"):
                    continue
                # slapd accepts operational attribute types only from its own code.
                if keyword == "attributetype" and re.search(r"\bUSAGE\s+(?!userApplications)", definition):
                    continue
                names = definition_names(definition)
                if definition_oid(definition) in known_oids or any(n in known_names for n in names):
                    continue
                pending.append((keyword, definition, names))

    defined = set(known_names)
    ordered = []
    while pending:
        ready = [item for item in pending
                 if all(reference in defined for reference in definition_references(item[0], item[1]))]
        if not ready:
            raise StartupError("careid schema has references slapd cannot resolve: " +
                               ", ".join(item[2][0] if item[2] else item[1][:40] for item in pending[:5]))
        for item in ready:
            pending.remove(item)
            ordered.append(item)
            defined.update(item[2])
    return "".join(f"{keyword} {definition}\n\n" for keyword, definition, _ in ordered)


class Slapd:
    """slapd serving `suffix` from a back-mdb folder under `work_dir`."""

    def __init__(self, work_dir, source_dir, suffix, root_dn, root_password):
        self.work_dir = work_dir
        self.source_dir = source_dir
        self.suffix = suffix
        self.root_dn = root_dn
        self.root_password = root_password
        self.port = free_port()
        self.config_path = os.path.join(work_dir, "slapd.conf")
        self.db_dir = os.path.join(work_dir, "db")
        self.log_path = os.path.join(work_dir, "slapd.log")
        self.process = None

    @property
    def url(self):
        return f"ldap://127.0.0.1:{self.port}"

    def _module_lines(self):
        lines = [f"modulepath {kModulePath}"] + [f"moduleload {module}" for module in kModules]
        lines += [f"pidfile {self.work_dir}/slapd.pid", f"argsfile {self.work_dir}/slapd.args"]
        return lines

    def _start(self, config_lines, log_name):
        with open(self.config_path, "w") as handle:
            handle.write("\n".join(config_lines) + "\n")
        log_path = os.path.join(self.work_dir, log_name)
        return self._run_slapd(log_path)

    def _run_slapd(self, log_path):
        # -d keeps slapd in the foreground, so ManagedProcess can stop it; 256 logs stats.
        process = ManagedProcess("slapd", [kSlapd, "-d", "256", "-h", self.url + "/",
                                           "-f", self.config_path], log_path)
        try:
            harness.wait_for_port(process, self.port, harness.kStartTimeoutSeconds, log_path)
        except BaseException:
            process.stop()
            raise
        return process

    def _probe_built_in_schema(self):
        """Return (OIDs, lower-case names) that slapd defines with no schema file loaded."""
        process = self._start(self._module_lines(), "slapd-probe.log")
        try:
            server = ldap3.Server(self.url, get_info=ldap3.NONE, connect_timeout=10)
            connection = ldap3.Connection(server, auto_bind=True, receive_timeout=30)
            connection.search("cn=Subschema", "(objectClass=*)", search_scope=ldap3.BASE,
                              attributes=["attributeTypes", "objectClasses"])
            entry = connection.response[0]["raw_attributes"]
            connection.unbind()
        finally:
            process.stop()
        oids, names = set(), set()
        for value in entry.get("attributeTypes", []) + entry.get("objectClasses", []):
            text = value.decode()
            oids.add(definition_oid(text))
            names.update(definition_names(text))
        return oids, names

    def configure(self):
        """Write the converted schema and slapd.conf; return the config lines."""
        oids, names = self._probe_built_in_schema()
        schema_path = os.path.join(self.work_dir, "careid-for-slapd.schema")
        with open(schema_path, "w") as handle:
            handle.write(convert_schema(os.path.join(self.source_dir, "schemas"), oids, names))
        os.makedirs(self.db_dir, exist_ok=True)

        lines = self._module_lines()
        lines += [f"include {schema_path}",
                  # careid's limit for clients other than the root DN; the root DN is
                  # unlimited in both servers.
                  "sizelimit 500",
                  "database mdb",
                  f'suffix "{self.suffix}"',
                  f'rootdn "{self.root_dn}"',
                  f"rootpw {self.root_password}",
                  f"directory {self.db_dir}",
                  "maxsize 1073741824",
                  "index objectClass eq",
                  "index uid,cn eq",
                  # careid's default policy (directory/access): anonymous clients read only
                  # the root DSE and the schema and may bind; no one reads userPassword.
                  # slapd's root DN passes every ACL, so it still reads hashes.
                  'access to dn.base="" by * read',
                  'access to dn.base="cn=Subschema" by * read',
                  "access to attrs=userPassword by anonymous auth by * none",
                  "access to * by users read by * none",
                  "overlay memberof",
                  "memberof-group-oc groupOfNames",
                  "memberof-member-ad member",
                  "memberof-refint TRUE",
                  "overlay refint",
                  "refint_attributes member uniqueMember"]
        with open(self.config_path, "w") as handle:
            handle.write("\n".join(lines) + "\n")
        return lines

    def load(self, ldif_path):
        """slapadd `ldif_path` into the database; raise StartupError on failure."""
        # slapadd 2.5 reads a leading "version: 1" line (RFC 2849) as an entry without a DN.
        with open(ldif_path, "rb") as handle:
            content = handle.read()
        content = re.sub(rb"\Aversion:\s*1\s*\n", b"", content)
        stripped_path = ldif_path + ".slapadd"
        with open(stripped_path, "wb") as handle:
            handle.write(content)
        code, out, err = run([kSlapadd, "-q", "-f", self.config_path, "-l", stripped_path],
                             timeout=300)
        if code != 0:
            raise StartupError(f"slapadd of {ldif_path} exited with {code}:\n{out}\n{err}")

    def start(self):
        self.process = self._run_slapd(self.log_path)

    def stop(self):
        if self.process is not None:
            self.process.stop()
            self.process = None
