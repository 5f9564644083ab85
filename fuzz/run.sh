#!/usr/bin/env bash
# Builds the libFuzzer targets with the stable toolchain and runs each for a bounded time.
#   bash fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]     (default 20 s, every target)
# The instrumentation is cargo-fuzz's (`cargo fuzz run --sanitizer none`), set here directly so
# CI needs neither nightly nor a cargo-fuzz install; `RUSTC_BOOTSTRAP=1 cargo fuzz run <target>`
# runs the same targets with AddressSanitizer. Each run starts from the committed seeds in
# fuzz/corpus/<target> (copied, so the committed corpus stays small); a crash fails the run
# and leaves its input in fuzz/artifacts/<target>/.
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:-20}
shift || true
targets=("$@")
if [ "${#targets[@]}" -eq 0 ]; then
    targets=(http_head chunked multipart jwt websocket_frames)
fi
host=$(rustc -vV | sed -n 's/^host: //p')
# pyo3 (linked through the crate) needs an interpreter to configure, and the JWKS target loads
# libpython at run time.
export PYO3_PYTHON=${PYO3_PYTHON:-$(command -v python3)}
libdir=$("$PYO3_PYTHON" -c 'import sysconfig; print(sysconfig.get_config_var("LIBDIR") or "")')
export LD_LIBRARY_PATH="$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export RUSTFLAGS="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares --cfg fuzzing -Cdebug-assertions -Coverflow-checks"
# `--target` keeps build scripts and proc macros uninstrumented, as cargo-fuzz does.
build_started=$SECONDS
cargo build --release --locked --target "$host" --bins
echo "fuzz targets built in $((SECONDS - build_started))s"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p artifacts
printf '%-18s %8s %12s %10s\n' target seconds executions exec/s
for target in "${targets[@]}"; do
    mkdir -p "$work/$target" "artifacts/$target"
    log="$work/$target.log"
    if ! "target/$host/release/$target" "$work/$target" corpus/"$target" \
        -max_total_time="$seconds" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix="artifacts/$target/" >"$log" 2>&1; then
        tail -n 60 "$log"
        echo "fuzz target $target failed; the input is in fuzz/artifacts/$target/" >&2
        exit 1
    fi
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
    printf '%-18s %8s %12s %10s\n' "$target" "$seconds" "$runs" "$rate"
done
