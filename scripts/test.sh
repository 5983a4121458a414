#!/usr/bin/env bash
# The whole test suite from a fresh Debian 12 machine (what CI runs):
#  1. installs what is missing;
#  2. release build with -Werror (the same build/ that scripts/run.sh uses),
#     the product alone without tests (build-product/), clang-format check,
#     every test;
#  3. clang build (build-clang/: -Wthread-safety -Werror, ASan + UBSan,
#     libFuzzer harnesses), its unit tests and the integration tests that
#     exercise concurrency, every sanitizer report failing the run;
#  4. each fuzzer for INFAAS_FUZZ_SECONDS (default 25) from its seeds;
#  5. TSan build (against an Abseil built with TSan) and the suites whose
#     threads meet in our code.
# Prints how long each step took. tests/README.md says what runs where, why.
#
#   scripts/test.sh              # everything
#   scripts/test.sh -L unit      # extra arguments go to the release ctest;
#                                # steps 3 to 5 are skipped
#   INFAAS_SKIP_CLANG=1 scripts/test.sh   # steps 1 and 2 only
set -euo pipefail
cd "$(dirname "$0")/.."

timings=()
step() {
  local name=$1
  shift
  local start=$SECONDS
  echo "=== $name"
  "$@"
  timings+=("$(printf '%5d s  %s' $((SECONDS - start)) "$name")")
}
report() {
  local rc=$?
  echo "=== time per step"
  printf '%s\n' "${timings[@]}"
  printf '%5d s  total\n' "$SECONDS"
  return $rc
}
trap report EXIT

# Sanitizer reports (of the tests and of the binaries they start) go to
# files; any file at the end fails the run and is printed.
#   sanitized_ctest PRESET CTEST_ARGS...     # PRESET: clang or tsan
sanitized_ctest() {
  local preset=$1
  shift
  local logs=$PWD/build-$preset/sanitizer-logs
  rm -rf "$logs" && mkdir -p "$logs"
  local status=0
  ASAN_OPTIONS="log_path=$logs/asan:detect_leaks=1" \
    LSAN_OPTIONS="suppressions=$PWD/tests/sanitizers/lsan.supp:print_suppressions=0" \
    UBSAN_OPTIONS="log_path=$logs/ubsan:print_stacktrace=1:halt_on_error=1" \
    TSAN_OPTIONS="log_path=$logs/tsan" \
    ctest --preset "$preset" "$@" || status=$?
  if compgen -G "$logs/*" >/dev/null; then
    echo "sanitizer reports:" >&2
    cat "$logs"/* >&2
    return 1
  fi
  return $status
}

step "install dependencies" scripts/install-deps.sh
# Installed just now: the browser and Prometheus tests must run, not skip.
export INFAAS_REQUIRE_EXTERNAL_TOOLS=1
# The several-host tests (tests/testing/netns_hosts.h) need network
# namespaces: where this machine can make one they must run, not skip;
# where it cannot (no root, a container without CAP_SYS_ADMIN) they skip
# and say why, and so does this line.
netns_probe="infaas-probe-$$"
if ip netns add "$netns_probe" 2>/dev/null; then
  ip netns del "$netns_probe"
  export INFAAS_REQUIRE_NETNS=1
  echo "=== network namespaces can be made here: cluster_test and netns_hosts_test must run"
else
  echo "=== network namespaces cannot be made here: cluster_test and netns_hosts_test will skip"
fi
step "release build (-Werror)" \
  bash -c 'cmake --preset ci >/dev/null && cmake --build --preset ci'
# What a package builds: the product without tests, benchmarks or fuzzers
# (the same flags as build/, so its objects come from ccache).
step "product build (-DINFAAS_BUILD_TESTS=OFF)" \
  bash -c 'cmake --preset product >/dev/null && cmake --build --preset product'
step "clang-format" scripts/check-format.sh
step "release tests" ctest --preset ci --parallel 2 "$@"

if (($# > 0)) || [[ -n "${INFAAS_SKIP_CLANG:-}" ]]; then exit 0; fi

step "clang build (-Wthread-safety -Werror, ASan+UBSan, fuzzers)" \
  bash -c 'cmake --preset clang >/dev/null && cmake --build --preset clang'
step "ASan+UBSan: unit tests" sanitized_ctest clang --parallel 2 -L unit
step "ASan+UBSan: integration tests (worker, store, profiler, router, autoscaler, jobs)" \
  sanitized_ctest clang -R '^(worker_integration|store|profiler|serving|autoscaling|offline_jobs)_test$'
step "fuzzers (${INFAAS_FUZZ_SECONDS:-25} s each)" \
  bash -c 'cmake -DINFAAS_FUZZ_SECONDS="${INFAAS_FUZZ_SECONDS:-25}" build-clang >/dev/null &&
           ctest --preset clang --parallel 2 -L fuzz'

# TSan: the suites whose threads meet in our code, in process (thread pool,
# router, load coordinator, autoscaler executor, worker instances and
# batching, job runner, KServe frontend, metrics; workers are in-process
# fakes behind real gRPC), against Abseil built with TSan. Only what they
# need is built. INFAAS_TSAN_INTEGRATION=1 adds the suites of real master
# and worker processes: they find real races too, but a busy gRPC server
# also shows about one new report inside gRPC's own code every few runs
# (tests/README.md), too flaky for CI.
tsan_suites=(common_test auth_test latency_test metrics_test controller_policy_test controller_test
  autoscaler_test
  worker_test offline_test kserve_test)
tsan_targets=("${tsan_suites[@]}")
if [[ -n "${INFAAS_TSAN_INTEGRATION:-}" ]]; then
  tsan_suites+=(worker_integration_test serving_test autoscaling_test offline_jobs_test)
  tsan_targets+=(worker_integration_test serving_test autoscaling_test offline_jobs_test
    infaas infaas-master infaas-worker)
fi
step "TSan build (Abseil from Debian's source with TSan; ${#tsan_suites[@]} suites)" \
  bash -c "scripts/build-tsan-abseil.sh && cmake --preset tsan >/dev/null &&
           cmake --build --preset tsan --target ${tsan_targets[*]}"
step "TSan: ${#tsan_suites[@]} suites" \
  sanitized_ctest tsan -R "^($(IFS='|'; echo "${tsan_suites[*]}"))\$"
