#!/usr/bin/env bash
# Runs one libFuzzer harness for a bounded time:
#   run_fuzzer.sh BINARY SEEDS WORK SECONDS [libFuzzer flags...]
# New inputs go to WORK (kept between runs), crashes to WORK/crash-*;
# SEEDS (committed) is only read. Fails when the harness finds a crash.
set -euo pipefail
binary=$1 seeds=$2 work=$3 seconds=$4
shift 4
mkdir -p "$work/corpus"
exec "$binary" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
  -print_final_stats=1 -artifact_prefix="$work/" "$@" "$work/corpus" "$seeds"
