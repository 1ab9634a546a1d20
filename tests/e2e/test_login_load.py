"""The login load generator (tools/loadgen/login_load) and `careidctl pki issue-cards`.

Issues a few cards to people of the demo directory, then runs login_load against careidd
for a second in each mode. The runs are SAML logins on a fixed schedule with signature
checks on a sample, and OpenID Connect code flows back to back. A run whose SP careidd does
not know must count every login as an error.
"""

import json
import os
import re
import stat

from harness import check, check_equal, check_in, free_port, main, run

kSpEntityId = "https://loadgen-sp.invalid/metadata"
kAcsUrl = "https://loadgen-sp.invalid/acs"
kClientId = "loadgen"
kRedirectUri = f"http://127.0.0.1:{free_port()}/callback"
kCards = 5

kSpMetadata = f"""<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="{kSpEntityId}">
  <md:SPSSODescriptor AuthnRequestsSigned="false" WantAssertionsSigned="true"
      protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</md:NameIDFormat>
    <md:AssertionConsumerService index="0" isDefault="true"
        Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="{kAcsUrl}"/>
  </md:SPSSODescriptor>
</md:EntityDescriptor>
"""


def prepare(context):
    """Register the load generator's public client and SP before `demo setup`."""
    clients = os.path.join(context.work_dir, "careid", "oidc-clients")
    os.makedirs(clients)
    with open(os.path.join(clients, "loadgen.json"), "w") as handle:
        json.dump({"client_id": kClientId, "token_endpoint_auth_method": "none",
                   "redirect_uris": [kRedirectUri], "scopes": ["openid"]}, handle)
    metadata = os.path.join(context.work_dir, "loadgen-sp.xml")
    with open(metadata, "w") as handle:
        handle.write(kSpMetadata)
    return [metadata]


def cards_dir(context):
    return os.path.join(context.work_dir, "loadgen-cards")


def login_load(context, *args):
    """Run login_load against careidd; return (exit code, stdout + stderr)."""
    binary = os.path.join(context.args.build_dir, "tools", "loadgen", "login_load")
    careid = context.careid
    command = [binary, "--port", str(careid.https_port), "--server-ca", careid.server_ca,
               "--cards", cards_dir(context), *args]
    code, out, err = run(command, timeout=60)
    return code, out + err


def result_fields(output):
    """Return the key=value pairs of login_load's "result" line as a dict."""
    lines = [line for line in output.splitlines() if line.startswith("result ")]
    check_equal(len(lines), 1, f"result lines in:\n{output}")
    return dict(pair.split("=", 1) for pair in lines[0].split()[1:])


def test_issue_cards_writes_private_keys(context):
    """Issues cards with careidd stopped, because the command opens the store itself."""
    careid = context.careid
    careid.stop()
    try:
        check_issue_cards(careid, cards_dir(context))
    finally:
        careid.start()


def check_issue_cards(careid, folder):
    command = [careid.careidctl, "pki", "issue-cards", "--config",
               os.path.join(careid.data_dir, "careid.toml"), "--count", str(kCards),
               "--out", folder]
    code, out, err = run(command, timeout=120)
    check_equal(code, 0, f"issue-cards exit code (stderr: {err.strip()})")
    check_in(f"issued {kCards} cards", out, "issue-cards output")

    names = sorted(os.listdir(folder))
    keys = [name for name in names if name.endswith(".key")]
    check_equal(len(keys), kCards, f"key files in {names}")
    check_equal(len(names), 2 * kCards, f"files in {names}")
    for key in keys:
        check(re.fullmatch(r"\d{12}\.key", key), f"key file name {key!r}")
        mode = stat.S_IMODE(os.stat(os.path.join(folder, key)).st_mode)
        check_equal(oct(mode), oct(0o600), f"mode of {key}")

    again_code, _, again_err = run(command, timeout=120)
    check_equal(again_code, 1, "issue-cards exit code into a folder with keys")
    check_in("exists", again_err, "issue-cards error for an existing key")


def test_saml_open_loop_verifies_sample(context):
    code, output = login_load(context, "--flow", "saml", "--sp-entity-id", kSpEntityId,
                              "--acs-url", kAcsUrl, "--rate", "10", "--duration", "1",
                              "--verify-sample", "3", "--idp-certificate",
                              os.path.join(context.careid.data_dir, "pki", "saml-signing.pem"))
    check_equal(code, 0, f"login_load exit code; output:\n{output}")
    fields = result_fields(output)
    check_equal(fields["mode"], "open", "mode")
    check_equal(fields["attempts"], "10", "attempts at 10/s for 1 s")
    check_equal(fields["failed"], "0", f"failed logins; output:\n{output}")
    check_in("verified 3 of 3 sampled SAML Response signatures", output, "login_load output")
    check(float(fields["p99_ms"]) > 0, f"p99 {fields['p99_ms']}")


def test_oidc_closed_loop_gets_tokens(context):
    code, output = login_load(context, "--flow", "oidc", "--client-id", kClientId,
                              "--redirect-uri", kRedirectUri, "--connections", "2",
                              "--duration", "1")
    check_equal(code, 0, f"login_load exit code; output:\n{output}")
    fields = result_fields(output)
    check_equal(fields["mode"], "closed", "mode")
    check(int(fields["succeeded"]) > 0, f"succeeded {fields['succeeded']}")
    check_equal(fields["failed"], "0", f"failed logins; output:\n{output}")


def test_unknown_sp_counts_errors(context):
    code, output = login_load(context, "--flow", "saml", "--sp-entity-id",
                              "https://unknown-sp.invalid/metadata", "--acs-url", kAcsUrl,
                              "--rate", "5", "--duration", "1")
    check_equal(code, 1, f"login_load exit code with no successful login; output:\n{output}")
    fields = result_fields(output)
    check_equal(fields["succeeded"], "0", "succeeded")
    check_equal(fields["errors"], "sso_http_400:5", "errors by kind")


def test_both_loop_modes_rejected(context):
    code, output = login_load(context, "--flow", "oidc", "--client-id", kClientId,
                              "--redirect-uri", kRedirectUri, "--rate", "5",
                              "--connections", "2")
    check_equal(code, 2, "login_load exit code for --rate with --connections")
    check_in("set exactly one of --rate", output, "login_load error")


if __name__ == "__main__":
    main("login_load", [
        test_issue_cards_writes_private_keys,
        test_saml_open_loop_verifies_sample,
        test_oidc_closed_loop_gets_tokens,
        test_unknown_sp_counts_errors,
        test_both_loop_modes_rejected,
    ], prepare=prepare)
