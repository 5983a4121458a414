#include "http/http_caller.h"

#include "common/status_macros.h"
#include "http/http_status.h"

namespace infaas::http {

absl::StatusOr<auth::Principal> CallerOf(const httplib::Request& req,
                                         auth::Authenticator* authenticator, auth::Action action) {
  if (authenticator == nullptr) return auth::Principal::Operator();
  ASSIGN_OR_RETURN(auth::Principal caller,
                   authenticator->Authenticate(req.get_header_value("Authorization")));
  RETURN_IF_ERROR(auth::Authorize(caller, action));
  return caller;
}

void SendAuthError(httplib::Response& res, const absl::Status& status) {
  res.status = HttpStatusOf(status.code());
  if (absl::IsUnauthenticated(status)) res.set_header("WWW-Authenticate", "Bearer");
  res.set_content(ErrorBody(status.message()), kJsonType);
}

httplib::Server::Handler WithCaller(auth::Authenticator* authenticator, auth::Action action,
                                    CallerHandler handler) {
  return [authenticator, action, handler = std::move(handler)](const httplib::Request& req,
                                                               httplib::Response& res) {
    absl::StatusOr<auth::Principal> caller = CallerOf(req, authenticator, action);
    if (!caller.ok()) return SendAuthError(res, caller.status());
    handler(*caller, req, res);
  };
}

}  // namespace infaas::http
