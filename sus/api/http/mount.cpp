#include "sus/api/http/mount.h"

#include "base/log.h"
#include "federation/oidc/form.h"

namespace careid::sus::api::http {
namespace {

namespace bhttp = boost::beast::http;
using federation::http::Request;
using federation::http::Response;

Response to_response(ApiReply reply, const Request& request) {
  // make_text_response sets the security headers that every careid response carries.
  Response response = federation::http::make_text_response(
      static_cast<bhttp::status>(reply.status), "", request.version(), request.keep_alive());
  response.set(bhttp::field::content_type, reply.content_type);
  if (!reply.www_authenticate.empty()) {
    response.set(bhttp::field::www_authenticate, reply.www_authenticate);
  }
  if (!reply.allow.empty()) {
    response.set(bhttp::field::allow, reply.allow);
  }
  response.body() = std::move(reply.body);
  response.prepare_payload();
  return response;
}

// Builds the ApiRequest, or the 400 reply for a malformed query.
Result<ApiRequest, ApiReply> to_api_request(const Request& request) {
  std::string_view target = request.target();
  std::size_t question = target.find('?');
  ApiRequest api_request;
  api_request.method = std::string(request.method_string());
  api_request.path = std::string(target.substr(0, question));
  if (question != std::string_view::npos) {
    Result<federation::oidc::Parameters> parameters =
        federation::oidc::parse_form(target.substr(question + 1));
    if (!parameters.ok()) {
      return error_reply(400, "invalid_request", parameters.status().message());
    }
    api_request.parameters.insert(parameters->begin(), parameters->end());
  }
  api_request.content_type = std::string(request[bhttp::field::content_type]);
  api_request.body = request.body();
  return api_request;
}

ApiReply serve(const SusApi& api, const BearerAuthenticator& authenticator, const Request& request,
               Principal& caller) {
  Result<Principal, ApiReply> authenticated =
      authenticator.authenticate(request[bhttp::field::authorization], request[kRoleHeader]);
  if (!authenticated.ok()) {
    return authenticated.error();
  }
  caller = std::move(*authenticated);

  Result<ApiRequest, ApiReply> api_request = to_api_request(request);
  if (!api_request.ok()) {
    return api_request.error();
  }
  return api.handle(*api_request, caller);
}

}  // namespace

federation::http::Mount make_mount(const SusApi& api, const BearerAuthenticator& authenticator) {
  federation::http::Mount mount;
  mount.prefix = std::string(SusApi::kPrefix);
  mount.handler = [&api, &authenticator](const Request& request, const std::string& client) {
    Principal caller;
    ApiReply reply = serve(api, authenticator, request, caller);
    std::string_view target = request.target();
    log::get("sus")->debug("api method={} path={} status={} uid={} org={} {}",
                           std::string(request.method_string()),
                           std::string(target.substr(0, std::min<std::size_t>(target.find('?'), 200))),
                           reply.status, caller.uid, caller.org_code, client);
    return to_response(std::move(reply), request);
  };
  return mount;
}

}  // namespace careid::sus::api::http
