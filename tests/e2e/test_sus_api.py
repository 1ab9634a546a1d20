"""The SUS API on careidd's HTTPS server, called with access tokens from careid's own OpenID
provider.

The demo card signs in through the authorization code flow, with python3-authlib as the
relying party and python3-requests as the browser carrying the card, which chooses the role
at the trust R0A on careid's role page. The access token then calls /sus/v1/ in that role;
naming the demo person's role at the practice A81001 instead is rejected. R0A
submits spells as a provider and reads, as their commissioner, spells of RGR and RTH that
careidctl loaded. The sample RBAC files give both roles the made-up SUS activities B9601
and B9600.
"""

import hashlib
import json
import os
import re

import requests
from authlib.integrations.requests_client import OAuth2Session

from harness import check, check_equal, check_in, free_port, main, run

kClient = "sus-portal"
kServiceClient = "sus-service"
kSecret = "sus-portal-secret-for-the-e2e-test-0123456789"
kRedirectUri = f"http://127.0.0.1:{free_port()}/callback"
kTrustRole = "555000000003"      # the demo person's role at R0A
kPracticeRole = "555000000005"   # the demo person's role at A81001
# A made-up factor for R0A, which the 2015/16 MFF file predates.
kMffCsv = "Org.Code,MFF\nR0A,1.050000000\nRGR,1.043771894\nRTH,1.10032548\n"
# Spells of other providers that R0A commissions.
kCommissionedCsv = (
    "HOSPITAL PROVIDER SPELL NUMBER,ORGANISATION CODE (CODE OF PROVIDER),"
    "ORGANISATION CODE (CODE OF COMMISSIONER),ADMISSION METHOD (HOSPITAL PROVIDER SPELL),"
    "PATIENT CLASSIFICATION,START DATE (HOSPITAL PROVIDER SPELL),"
    "DISCHARGE DATE (HOSPITAL PROVIDER SPELL),AGE ON ADMISSION,HEALTHCARE RESOURCE GROUP CODE\n"
    "C0001,RGR,R0A,21,1,2015-06-01,2015-06-13,80,DZ11N\n"
    "C0002,RTH,R0A,21,1,2015-06-01,2015-06-01,12,PA14C\n")


def prepare(context):
    """Register a confidential client for the code flow and a service client."""
    clients = os.path.join(context.work_dir, "careid", "oidc-clients")
    os.makedirs(clients)
    secret_hash = hashlib.sha256(kSecret.encode()).hexdigest()
    registrations = {
        "portal.json": {"client_id": kClient, "client_secret_sha256": secret_hash,
                        "redirect_uris": [kRedirectUri], "scopes": ["openid", "profile"]},
        "service.json": {"client_id": kServiceClient, "client_secret_sha256": secret_hash,
                         "grant_types": ["client_credentials"], "scopes": ["sus.read"]},
    }
    for name, registration in registrations.items():
        with open(os.path.join(clients, name), "w") as handle:
            json.dump(registration, handle)
    return None


def careidctl(context, *args):
    code, out, err = run([context.careid.careidctl, *args])
    check_equal(code, 0, f"careidctl {' '.join(args)} exit code (stderr: {err.strip()})")
    return out


def ensure_sus_store(context):
    """Load the RBAC samples and a SUS store once, then restart careidd with [sus] store."""
    if getattr(context, "sus_ready", False):
        return
    careid = context.careid
    source = context.args.source_dir
    config = os.path.join(careid.data_dir, "careid.toml")
    store = os.path.join(careid.data_dir, "sus-store")
    mff = os.path.join(context.work_dir, "mff.csv")
    with open(mff, "w") as handle:
        handle.write(kMffCsv)
    commissioned = os.path.join(context.work_dir, "commissioned.csv")
    with open(commissioned, "w") as handle:
        handle.write(kCommissionedCsv)

    careid.stop()
    reference = os.path.join(source, "data", "reference")
    careidctl(context, "rbac", "import", "--config", config,
              "--activities", os.path.join(reference, "rbac-activities-sample.csv"),
              "--baseline", os.path.join(reference, "rbac-baseline-sample.csv"),
              "--areas-of-work", os.path.join(reference, "rbac-areas-of-work-sample.csv"))
    careidctl(context, "sus", "import-tariff", "--store", store, "--year", "2015/16",
              os.path.join(source, "data", "sus", "tariff-synthetic-2015-16.csv"))
    careidctl(context, "sus", "import-mff", "--store", store, "--year", "2015/16", mff)
    careidctl(context, "sus", "import-spells", "--store", store,
              os.path.join(source, "data", "sus", "spells-synthetic-2015-16.csv"))
    careidctl(context, "sus", "import-spells", "--store", store, commissioned)
    with open(config, "a") as handle:
        handle.write('\n[sus]\nstore = "sus-store"\n')
    careid.start()
    careid.daemon.wait_for_lines([r"sus api at https://"], 10)
    context.sus_ready = True


def user_token(context):
    """Sign in with the demo card through the code flow and return the access token."""
    if getattr(context, "user_token", None):
        return context.user_token
    document = requests.get(context.careid.https_url + "/.well-known/openid-configuration",
                            verify=context.careid.server_ca, timeout=10).json()
    session = OAuth2Session(kClient, kSecret, redirect_uri=kRedirectUri, scope="openid profile",
                            token_endpoint_auth_method="client_secret_basic")
    url, _ = session.create_authorization_url(document["authorization_endpoint"])
    certificate, key, _ = context.careid.card()
    response = requests.get(url, cert=(certificate, key), verify=context.careid.server_ca,
                            allow_redirects=False, timeout=10)
    # The demo person has two role profiles, so the role page comes first. The token then
    # carries the chosen role as selected_roleid.
    check_equal(response.status_code, 200, "role page status")
    csrf_token = re.search(r'name="csrf_token" value="([^"]+)"', response.text).group(1)
    response = requests.post(context.careid.https_url + "/oidc/role",
                             data={"csrf_token": csrf_token, "role": kTrustRole},
                             cert=(certificate, key), verify=context.careid.server_ca,
                             allow_redirects=False, timeout=10)
    check_equal(response.status_code, 302, "authorization status")
    token = session.fetch_token(document["token_endpoint"],
                                authorization_response=response.headers["Location"],
                                verify=context.careid.server_ca)
    context.user_token = token["access_token"]
    context.document = document
    return context.user_token


def call(context, method, path, token=None, role=None, **options):
    headers = dict(options.pop("headers", {}))
    if token:
        headers["Authorization"] = "Bearer " + token
    if role:
        headers["NHSD-Session-URID"] = role
    return requests.request(method, context.careid.https_url + path, headers=headers,
                            verify=context.careid.server_ca, timeout=30, **options)


def spell(number, provider, commissioner, hrg="DZ11N", discharge="2015-06-13"):
    return {"spell_number": number, "provider": provider, "commissioner": commissioner,
            "admission_method": "21", "patient_classification": "1",
            "start_date": "2015-06-01", "discharge_date": discharge, "age_on_admission": 80,
            "hrg_code": hrg}


def test_missing_or_bad_token_is_401(context):
    ensure_sus_store(context)
    anonymous = call(context, "GET", "/sus/v1/tariffs/2015-16/hrgs/DZ11N")
    check_equal(anonymous.status_code, 401, "status without a token")
    check_equal(anonymous.headers.get("WWW-Authenticate"), 'Bearer realm="careid"',
                "challenge without a token")
    bad = call(context, "GET", "/sus/v1/tariffs/2015-16/hrgs/DZ11N", token="not.a.token")
    check_equal(bad.status_code, 401, "status with a bad token")
    check_equal(bad.headers.get("WWW-Authenticate"), 'Bearer realm="careid", error="invalid_token"',
                "challenge with a bad token")
    check_equal(bad.json()["error"], "invalid_token", "error member")


def test_tariff_lookup_with_card_token(context):
    ensure_sus_store(context)
    token = user_token(context)
    reply = call(context, "GET", "/sus/v1/tariffs/2015-16/hrgs/DZ11N", token, kTrustRole)
    check_equal(reply.status_code, 200, f"tariff status ({reply.text})")
    check_equal(reply.json()["non_elective"], "1840.00", "DZ11N non-elective price")
    check_equal(reply.headers.get("Cache-Control"), "no-store", "Cache-Control")

    # Without NHSD-Session-URID the token's selected_roleid applies; another of the person's
    # roles needs a new login.
    no_header = call(context, "GET", "/sus/v1/tariffs/2015-16/hrgs/DZ11N", token)
    check_equal(no_header.status_code, 200, f"the token's role without NHSD-Session-URID ({no_header.text})")
    other_role = call(context, "GET", "/sus/v1/tariffs/2015-16/hrgs/DZ11N", token, kPracticeRole)
    check_equal(other_role.status_code, 403, "a role other than the token's selected_roleid")
    foreign = call(context, "GET", "/sus/v1/tariffs/2015-16/hrgs/DZ11N", token, "555000000099")
    check_equal(foreign.status_code, 403, "a role profile of someone else")


def test_price_one_spell(context):
    ensure_sus_store(context)
    reply = call(context, "POST", "/sus/v1/tariffs/2015-16/price", user_token(context), kTrustRole,
                 json=spell("P1", "RGR", "06T"))
    check_equal(reply.status_code, 200, f"price status ({reply.text})")
    payment = reply.json()["payment"]
    check_equal(payment["total"], "2640.74", "total of the worked example S0002")
    check_equal(payment["explanation"][-1], "total: 2640.74", "last explanation line")


def test_submit_then_extract(context):
    ensure_sus_store(context)
    token = user_token(context)
    batch = [spell("E2E1", "R0A", "06T"), spell("E2E2", "R0A", "06T", hrg="PA14C"),
             spell("E2E3", "RGR", "06T"), spell("E2E4", "R0A", "06T", discharge="2015-05-31")]
    reply = call(context, "POST", "/sus/v1/spells", token, kTrustRole, json=batch)
    check_equal(reply.status_code, 200, f"submit status ({reply.text})")
    body = reply.json()
    check_equal((body["accepted"], body["rejected"]), (2, 2), f"accepted and rejected ({body})")
    check_equal([r["index"] for r in body["rejections"]], [2, 3], "rejected elements")
    check_in("provider RGR", body["rejections"][0]["reason"], "other provider's spell")
    check_in("before START DATE", body["rejections"][1]["reason"], "discharge before start")

    extract = call(context, "GET", "/sus/v1/extracts/providers/R0A?year=2015-16", token, kTrustRole)
    check_equal(extract.status_code, 200, f"provider extract status ({extract.text})")
    rows = extract.json()["spells"]
    check_equal([row["spell"]["spell_number"] for row in rows], ["E2E1", "E2E2"], "own spells")
    check_equal(rows[0]["payment"]["market_forces_factor"], "1.050000000", "R0A factor")
    check_equal(rows[0]["payment"]["total"], "2656.50", "2530.00 x 1.05")

    csv = call(context, "GET", "/sus/v1/extracts/providers/R0A?year=2015-16&format=csv", token,
               kTrustRole)
    check_equal(csv.headers.get("Content-Type"), "text/csv; charset=utf-8", "CSV type")
    check_equal(len(csv.text.strip().splitlines()), 3, "CSV header and two rows")

    commissioner = call(context, "GET", "/sus/v1/extracts/commissioners/R0A?year=2015-16",
                        token, kTrustRole)
    check_equal(commissioner.status_code, 200, "commissioner extract status")
    check_equal([(row["spell"]["provider"], row["spell"]["spell_number"])
                 for row in commissioner.json()["spells"]],
                [("RGR", "C0001"), ("RTH", "C0002")], "the spells R0A commissions")
    filtered = call(context, "GET", "/sus/v1/extracts?year=2015-16&commissioner=R0A&hrg=PA14C",
                    token, kTrustRole)
    check_equal([row["spell"]["spell_number"] for row in filtered.json()["spells"]], ["C0002"],
                "ad-hoc extract by HRG")
    stored = call(context, "GET", "/sus/v1/spells/RGR/C0001?year=2015-16", token, kTrustRole)
    check_equal(stored.status_code, 200, "a commissioned spell of another provider")


def test_other_organisation_is_403(context):
    ensure_sus_store(context)
    token = user_token(context)
    cases = [("/sus/v1/extracts/providers/RGR?year=2015-16", kTrustRole),
             ("/sus/v1/extracts/commissioners/06T?year=2015-16", kTrustRole),
             ("/sus/v1/extracts/providers/R0A?year=2015-16", kPracticeRole),
             ("/sus/v1/extracts/commissioners/R0A?year=2015-16", kPracticeRole),
             ("/sus/v1/spells/RGR/S0002?year=2015-16", kTrustRole),
             ("/sus/v1/spells/RGR/C0001?year=2015-16", kPracticeRole)]
    for path, role in cases:
        reply = call(context, "GET", path, token, role)
        check_equal(reply.status_code, 403, f"{path} as {role}")
        check_in('error="insufficient_scope"', reply.headers.get("WWW-Authenticate", ""),
                 "403 challenge")


def test_client_credentials_token_is_403(context):
    ensure_sus_store(context)
    reply = requests.post(context.careid.https_url + "/oidc/token",
                          data={"grant_type": "client_credentials"}, auth=(kServiceClient, kSecret),
                          verify=context.careid.server_ca, timeout=10)
    check_equal(reply.status_code, 200, "client credentials token status")
    api = call(context, "GET", "/sus/v1/tariffs/2015-16/hrgs/DZ11N", reply.json()["access_token"])
    check_equal(api.status_code, 403, "a service token has no role")
    check_in("client credentials", api.json()["message"], "the reason")


def test_revoked_token_is_401(context):
    ensure_sus_store(context)
    token = user_token(context)
    revoked = requests.post(context.careid.https_url + "/oidc/revoke", data={"token": token},
                            auth=(kClient, kSecret), verify=context.careid.server_ca, timeout=10)
    check_equal(revoked.status_code, 200, "revocation status")
    reply = call(context, "GET", "/sus/v1/tariffs/2015-16/hrgs/DZ11N", token, kTrustRole)
    check_equal(reply.status_code, 401, "revoked token")
    context.user_token = None


if __name__ == "__main__":
    main("sus_api", [
        test_missing_or_bad_token_is_401,
        test_tariff_lookup_with_card_token,
        test_price_one_spell,
        test_submit_then_extract,
        test_other_organisation_is_403,
        test_client_credentials_token_is_403,
        test_revoked_token_is_401,
    ], prepare=prepare)
