#!/usr/bin/env python3
"""LDAP over TLS against careidd: LDAPS, StartTLS and SASL EXTERNAL with the demo card.

Runs ldapsearch and ldapwhoami (ldap-utils) with the demo card CA as the trust anchor,
and raw StartTLS requests for the cases the tools cannot produce (a second StartTLS, and
StartTLS on a server without TLS configured).
"""

import os
import socket
import ssl

import harness
import ldap_wire
from harness import check, check_equal, check_in
from hostile_support import restart_with_settings

kDemoDn = f"uid={harness.kDemoUid},ou=People,{harness.kBaseDn}"
kSuccess = 0
kOperationsError = 1
kUnavailable = 52
kInappropriateAuthentication = 48
kInvalidCredentials = 49


class State:
    ldaps_port = None


def tool_env(careid, with_card=False):
    # No LDAPNOINIT here: it would make libldap ignore the LDAPTLS_* variables too.
    env = dict(os.environ, LDAPCONF="/dev/null", LDAPRC="/dev/null",
               LDAPTLS_CACERT=careid.server_ca, LDAPTLS_REQCERT="demand")
    env.pop("LDAPNOINIT", None)
    if with_card:
        certificate, key, _ = careid.card()
        env.update(LDAPTLS_CERT=certificate, LDAPTLS_KEY=key)
    return env


def ldaps_url():
    return f"ldaps://127.0.0.1:{State.ldaps_port}"


def start_tls_result(reader, message_id):
    """Send StartTLS and return the resultCode of its ExtendedResponse."""
    reader.sock.sendall(ldap_wire.start_tls(message_id))
    tag, code = reader.read_final(message_id)
    check_equal(tag, ldap_wire.kExtendedResponseTag, "StartTLS response type")
    return code


def enable_ldaps(context):
    careid = context.careid
    State.ldaps_port = harness.free_port()
    restart_with_settings(careid, {"ldap": {"ldaps_port": State.ldaps_port}})
    careid.daemon.wait_for_lines([rf"ldaps listening on ldaps://127\.0\.0\.1:{State.ldaps_port}\b"],
                                 harness.kStartTimeoutSeconds)


def admin_bind(careid):
    return ["-D", "cn=admin,o=nhs", "-y", os.path.join(careid.data_dir, "admin-password")]


def ldaps_search_with_ldapsearch(context):
    enable_ldaps(context)
    careid = context.careid
    # Anonymous clients see only the root DSE and the schema, so the search binds as the admin.
    code, out, err = harness.run(["ldapsearch", "-x", "-LLL", "-H", ldaps_url(), *admin_bind(careid),
                                  "-b", harness.kBaseDn, "(uniqueIdentifier=R8000)", "dn"], env=tool_env(careid))
    check_equal(code, 0, f"ldapsearch over LDAPS exit code ({err.strip()})")
    check_in("dn: ", out, "ldapsearch over LDAPS output")


def starttls_search_with_ldapsearch_zz(context):
    careid = context.careid
    code, out, err = harness.run(["ldapsearch", "-ZZ", "-x", "-LLL", "-H", careid.ldap_url, *admin_bind(careid),
                                  "-b", kDemoDn, "-s", "base", "(objectClass=*)", "uid"], env=tool_env(careid))
    check_equal(code, 0, f"ldapsearch -ZZ exit code ({err.strip()})")
    check_in(f"uid: {harness.kDemoUid}", out, "ldapsearch -ZZ output")


def sasl_external_whoami_over_ldaps(context):
    careid = context.careid
    code, out, err = harness.run(["ldapwhoami", "-Y", "EXTERNAL", "-H", ldaps_url()],
                                 env=tool_env(careid, with_card=True))
    check_equal(code, 0, f"ldapwhoami -Y EXTERNAL over LDAPS exit code ({err.strip()})")
    check_equal(out.strip(), f"dn:{kDemoDn}", "ldapwhoami authorization identity")


def sasl_external_whoami_over_starttls(context):
    careid = context.careid
    code, out, err = harness.run(["ldapwhoami", "-ZZ", "-Y", "EXTERNAL", "-H", careid.ldap_url],
                                 env=tool_env(careid, with_card=True))
    check_equal(code, 0, f"ldapwhoami -ZZ -Y EXTERNAL exit code ({err.strip()})")
    check_equal(out.strip(), f"dn:{kDemoDn}", "ldapwhoami authorization identity")


def external_bind_over_ldaps(careid, with_card, authorization_id=None):
    """Send a SASL EXTERNAL bind over LDAPS with Python's ssl; return its resultCode.

    ldapwhoami cannot send this bind without a certificate: libldap refuses it locally.
    """
    tls = ssl.create_default_context(cafile=careid.server_ca)
    if with_card:
        certificate, key, _ = careid.card()
        tls.load_cert_chain(certificate, key)
    with socket.create_connection(("127.0.0.1", State.ldaps_port), timeout=10) as raw:
        with tls.wrap_socket(raw, server_hostname="127.0.0.1") as secure:
            reader = ldap_wire.MessageReader(secure)
            secure.sendall(ldap_wire.sasl_bind(1, "EXTERNAL", authorization_id))
            tag, code = reader.read_final(1)
            check_equal(tag, ldap_wire.kBindResponseTag, "SASL bind response type")
            return code


def sasl_external_without_card_rejected(context):
    code = external_bind_over_ldaps(context.careid, with_card=False)
    check_equal(code, kInappropriateAuthentication, "SASL EXTERNAL resultCode without a card")


def sasl_external_other_authzid_rejected(context):
    careid = context.careid
    check_equal(external_bind_over_ldaps(careid, True, f"dn:{kDemoDn}"), kSuccess,
                "SASL EXTERNAL resultCode with the card's own authzId")
    other = f"dn:uid=555000000002,ou=People,{harness.kBaseDn}"
    check_equal(external_bind_over_ldaps(careid, True, other), kInvalidCredentials,
                "SASL EXTERNAL resultCode with another person's authzId")


def sasl_external_over_plain_ldap_rejected(context):
    careid = context.careid
    code, out, err = harness.run(["ldapwhoami", "-Y", "EXTERNAL", "-H", careid.ldap_url],
                                 env=tool_env(careid, with_card=True))
    check(code != 0, f"ldapwhoami -Y EXTERNAL over plain LDAP succeeded: {out.strip()}")


def second_starttls_rejected(context):
    careid = context.careid
    with socket.create_connection(("127.0.0.1", careid.ldap_port), timeout=10) as raw:
        check_equal(start_tls_result(ldap_wire.MessageReader(raw), 1), kSuccess, "first StartTLS resultCode")

        tls = ssl.create_default_context(cafile=careid.server_ca)
        with tls.wrap_socket(raw, server_hostname="127.0.0.1") as secure:
            code = start_tls_result(ldap_wire.MessageReader(secure), 2)
            check_equal(code, kOperationsError, "second StartTLS resultCode")


def starttls_rejected_without_tls_config(context):
    careid = context.careid
    restart_with_settings(careid, {"ldap": {"ldaps_port": 0, "tls_certificate": '""'}})
    code, out, err = harness.run(["ldapsearch", "-ZZ", "-x", "-LLL", "-H", careid.ldap_url, "-b", "",
                                  "-s", "base", "(objectClass=*)"], env=tool_env(careid))
    check(code != 0, f"ldapsearch -ZZ succeeded without TLS configured: {out.strip()}")

    with socket.create_connection(("127.0.0.1", careid.ldap_port), timeout=10) as raw:
        code = start_tls_result(ldap_wire.MessageReader(raw), 1)
        check_equal(code, kUnavailable, "StartTLS resultCode without TLS")
    check(careid.daemon.running(), "careidd exited after StartTLS without TLS")


if __name__ == "__main__":
    harness.main("ldap_tls", [
        ldaps_search_with_ldapsearch,
        starttls_search_with_ldapsearch_zz,
        sasl_external_whoami_over_ldaps,
        sasl_external_whoami_over_starttls,
        sasl_external_without_card_rejected,
        sasl_external_other_authzid_rejected,
        sasl_external_over_plain_ldap_rejected,
        second_starttls_rejected,
        starttls_rejected_without_tls_config,
    ])
