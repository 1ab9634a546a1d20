# Sourced by the login benchmarks: the service provider and OpenID client that
# tools/loadgen's login_load plays. careidd must trust them, so a data folder gets the SP
# metadata file (pass it to `careidctl demo setup --sp-metadata`) and the client file.
# Nothing listens at the ACS or redirect URLs, because login_load reads the Response and
# the code itself.

sp_entity_id="https://loadgen-sp.invalid/metadata"
acs_url="https://loadgen-sp.invalid/acs"
client_id="loadgen"
redirect_uri="http://127.0.0.1:9/callback"

# Writes the SP metadata to the file $1.
write_loadgen_sp_metadata() {
  cat > "$1" <<XML
<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="$sp_entity_id">
  <md:SPSSODescriptor AuthnRequestsSigned="false" WantAssertionsSigned="true"
      protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</md:NameIDFormat>
    <md:AssertionConsumerService index="0" isDefault="true"
        Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="$acs_url"/>
  </md:SPSSODescriptor>
</md:EntityDescriptor>
XML
}

# Registers the public OpenID client in the data folder $1 (before careidd starts).
write_loadgen_oidc_client() {
  mkdir -p "$1/oidc-clients"
  printf '{"client_id": "%s", "token_endpoint_auth_method": "none", "redirect_uris": ["%s"], "scopes": ["openid"]}\n' \
    "$client_id" "$redirect_uri" > "$1/oidc-clients/loadgen.json"
}

# Prints login_load's options for the flow $1 (saml or oidc) and the data folder $2, one a line.
loadgen_flow_options() {
  if [ "$1" = saml ]; then
    printf '%s\n' --flow saml --sp-entity-id "$sp_entity_id" --acs-url "$acs_url" \
      --idp-certificate "$2/pki/saml-signing.pem"
  else
    printf '%s\n' --flow oidc --client-id "$client_id" --redirect-uri "$redirect_uri"
  fi
}
