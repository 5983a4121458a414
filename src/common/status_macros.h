#pragma once

// Early-return helpers for absl::Status / absl::StatusOr.
//
//   absl::Status Load(const Config& c) {
//     RETURN_IF_ERROR(Validate(c));
//     ASSIGN_OR_RETURN(std::string bytes, ReadFile(c.path()));
//     ...
//   }

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define INFAAS_STATUS_CONCAT_INNER(a, b) a##b
#define INFAAS_STATUS_CONCAT(a, b) INFAAS_STATUS_CONCAT_INNER(a, b)

// Evaluates `expr` (an absl::Status) and returns it from the enclosing
// function if it is not OK.
#define RETURN_IF_ERROR(expr)                           \
  do {                                                  \
    if (absl::Status _status = (expr); !_status.ok()) { \
      return _status;                                   \
    }                                                   \
  } while (false)

// Evaluates `rexpr` (an absl::StatusOr<T>); on error returns its status from
// the enclosing function, otherwise moves the value into `lhs`, which may be
// a declaration (`ASSIGN_OR_RETURN(auto x, F())`) or an existing variable.
#define ASSIGN_OR_RETURN(lhs, rexpr) \
  INFAAS_ASSIGN_OR_RETURN_IMPL(INFAAS_STATUS_CONCAT(_statusor_, __LINE__), lhs, rexpr)

#define INFAAS_ASSIGN_OR_RETURN_IMPL(statusor, lhs, rexpr) \
  auto statusor = (rexpr);                                 \
  if (!statusor.ok()) {                                    \
    return std::move(statusor).status();                   \
  }                                                        \
  lhs = std::move(statusor).value()
