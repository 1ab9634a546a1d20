"""careidd's Prometheus endpoint ([metrics] listen) scraped over plain HTTP.

Enables metrics on a free loopback port and checks the text exposition format 0.0.4: HELP
and TYPE before the samples of each family, the samples of a family together, and a
histogram's +Inf bucket equal to its _count. Then checks that LDAP operations, SAML logins
and OpenID Connect token responses move their counters. The login traffic comes from the
login load generator with the SP and client that test_login_load.py registers.
"""

import os
import re
import urllib.request

from harness import check, check_equal, check_in, free_port, ldap_tool, main
from hostile_support import restart_with_settings
from test_login_load import (check_issue_cards, cards_dir, kAcsUrl, kClientId, kRedirectUri,
                             kSpEntityId, login_load, prepare)

kMetricsPort = free_port()
kSampleLine = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$')


def scrape():
    """Return (Content-Type, body) of GET /metrics."""
    with urllib.request.urlopen(f"http://127.0.0.1:{kMetricsPort}/metrics", timeout=10) as response:
        check_equal(response.status, 200, "GET /metrics status")
        return response.headers["Content-Type"], response.read().decode()


def samples(text):
    """Return {'name{labels}': value} of every sample line."""
    values = {}
    for line in text.splitlines():
        if line.startswith("#") or not line:
            continue
        match = kSampleLine.match(line)
        check(match is not None, f"sample line does not parse: {line!r}")
        values[match.group(1) + (match.group(2) or "")] = float(match.group(3))
    return values


def value(text, key):
    return samples(text).get(key, 0.0)


def test_enable_metrics(context):
    """Issues cards for the login traffic while careidd is stopped, then turns metrics on."""
    careid = context.careid
    careid.stop()
    check_issue_cards(careid, cards_dir(context))
    restart_with_settings(careid, {"metrics": {"listen": f'"127.0.0.1:{kMetricsPort}"'}})
    with open(careid.log_path, errors="replace") as handle:
        check_in(f"metrics at http://127.0.0.1:{kMetricsPort}/metrics", handle.read(), "careidd output")


def test_exposition_format(context):
    content_type, text = scrape()
    check_equal(content_type, "text/plain; version=0.0.4; charset=utf-8", "Content-Type")
    check(text.endswith("\n"), "exposition does not end with a line feed")

    declared = {}
    finished = set()
    current = None
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ")
            check(name not in declared, f"family {name} declared twice")
            declared[name] = kind
            if current:
                finished.add(current)
            current = name
        elif not line.startswith("#"):
            name = kSampleLine.match(line).group(1)
            family = re.sub(r"_(bucket|sum|count)$", "", name) if declared.get(
                re.sub(r"_(bucket|sum|count)$", "", name)) == "histogram" else name
            check_equal(family, current, f"family of sample {line!r}")
            check(family not in finished, f"samples of {family} are not together")

    for family in ["careid_ldap_operations_total", "careid_ldap_operation_duration_seconds",
                   "careid_ldap_connections", "careid_https_connections", "careid_logins_total",
                   "careid_saml_assertions_total", "careid_oidc_tokens_total",
                   "careid_lmdb_map_size_bytes", "careid_lmdb_used_bytes", "careid_lmdb_readers",
                   "careid_certificate_expiry_seconds"]:
        check_in(family, declared, "declared metric families")

    values = samples(text)
    for operation in ["bind", "search"]:
        labels = f'operation="{operation}"'
        check_equal(values[f'careid_ldap_operation_duration_seconds_bucket{{{labels},le="+Inf"}}'],
                    values[f"careid_ldap_operation_duration_seconds_count{{{labels}}}"],
                    f"+Inf bucket and _count of {operation}")
    check(values["careid_lmdb_map_size_bytes"] > values["careid_lmdb_used_bytes"] > 0,
          "LMDB map size and used bytes")
    expiry = [v for k, v in values.items() if k.startswith('careid_certificate_expiry_seconds{certificate="card_ca"')]
    check_equal(len(expiry), 1, "card CA expiry samples")
    check(expiry[0] > 86400, f"card CA expires in {expiry[0]} s")
    for certificate in ["https", "saml_signing"]:
        check_in(f'careid_certificate_expiry_seconds{{certificate="{certificate}"', text, "expiry samples")


def test_ldap_operations_counted(context):
    careid = context.careid
    search = 'careid_ldap_operations_total{operation="search",code="0",result="success"}'
    bind_ok = 'careid_ldap_operations_total{operation="bind",code="0",result="success"}'
    bind_bad = 'careid_ldap_operations_total{operation="bind",code="49",result="invalidCredentials"}'
    latency = 'careid_ldap_operation_duration_seconds_count{operation="search"}'
    _, before = scrape()

    for _ in range(3):
        code, output = ldap_tool(careid, "ldapsearch", ["-b", "o=nhs", "-s", "base", "(objectClass=*)"],
                                 bind_admin=True)
        check_equal(code, 0, f"ldapsearch; output: {output}")
    code, output = ldap_tool(careid, "ldapsearch", ["-b", "o=nhs", "-s", "base"], bind_admin=True,
                             password="wrong password")
    check_equal(code, 49, f"ldapsearch with a wrong password; output: {output}")

    _, after = scrape()
    check(value(after, search) >= value(before, search) + 3, f"{search} moved by 3")
    check(value(after, bind_ok) >= value(before, bind_ok) + 3, f"{bind_ok} moved by 3")
    check(value(after, bind_bad) >= value(before, bind_bad) + 1, f"{bind_bad} moved by 1")
    check(value(after, latency) >= value(before, latency) + 3, f"{latency} moved by 3")
    check(value(after, 'careid_ldap_binds_total{result="failure"}') >= 1, "failed binds from the audit events")


def test_logins_counted(context):
    _, before = scrape()
    code, output = login_load(context, "--flow", "saml", "--sp-entity-id", kSpEntityId,
                              "--acs-url", kAcsUrl, "--rate", "5", "--duration", "1")
    check_equal(code, 0, f"login_load saml exit code; output:\n{output}")
    code, output = login_load(context, "--flow", "oidc", "--client-id", kClientId,
                              "--redirect-uri", kRedirectUri, "--connections", "1",
                              "--duration", "1")
    check_equal(code, 0, f"login_load oidc exit code; output:\n{output}")

    _, after = scrape()
    logins = 'careid_logins_total{method="smartcard",result="success"}'
    check(value(after, logins) > value(before, logins), f"{logins} did not move")
    assertions = "careid_saml_assertions_total"
    check(value(after, assertions) >= value(before, assertions) + 5, f"{assertions} moved by 5")
    tokens = "careid_oidc_tokens_total"
    check(value(after, tokens) > value(before, tokens), f"{tokens} did not move")


def test_other_paths_rejected(context):
    request = urllib.request.Request(f"http://127.0.0.1:{kMetricsPort}/other")
    try:
        urllib.request.urlopen(request, timeout=10)
        check(False, "GET /other succeeded")
    except urllib.error.HTTPError as error:
        check_equal(error.code, 404, "GET /other status")


kCases = [
    test_enable_metrics,
    test_exposition_format,
    test_ldap_operations_counted,
    test_logins_counted,
    test_other_paths_rejected,
]

if __name__ == "__main__":
    main("metrics", kCases, prepare=prepare)
