#!/usr/bin/env bash
# The whole test suite, from a fresh clone: lint, Rust unit tests, one manylinux2014 abi3 wheel
# built once (zig links it against glibc 2.17) and audited, the pytest suite against that installed
# wheel on every CPython >= 3.10 on this machine, then the sdist: built, checked, installed with pip
# (a cargo build from source) and tested too. Prints how long each stage took and which CPythons
# it tested; fails when a CPython that ci/pythons.sh declares for this machine is missing.
# Every long stage runs under `timeout`, every pytest run under pytest-timeout and the skip budget
# of tests/skips.py (stage named by BOLT_TEST_STAGE).
# Usage: bash ci/test.sh            (PYTHONS="path ..." to choose interpreters, which skips the
#                                    declared-matrix check; SKIP_LINT=1 to skip lint)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
work="$root/.ci-work"
mkdir -p "$work"

timings=()
current=""
started=$SECONDS
stage_start=$SECONDS
finish_stage() {
    if [ -n "$current" ]; then
        local took=$((SECONDS - stage_start))
        timings+=("$(printf '%6ss  %s' "$took" "$current")")
        printf -- '--> %s took %ss\n' "$current" "$took"
    fi
}
stage() {
    finish_stage
    current=$1
    stage_start=$SECONDS
    printf '\n==> %s (%s)\n' "$1" "$(date +%T)"
}
# bounded SECONDS CMD...: CMD (and its children: timeout signals its process group) stopped after
# SECONDS, so a hang fails CI naming the stage instead of running into the CI limit. The bounds
# are several times what the stages take cold on a 2-core machine.
bounded() {
    local limit=$1 status=0
    shift
    timeout --kill-after=30 "$limit" "$@" || status=$?
    if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
        echo "TIMED OUT after ${limit}s in stage \"$current\": $*" >&2
    fi
    return "$status"
}

read -r -a pythons <<<"${PYTHONS:-$(bash ci/pythons.sh | tr '\n' ' ')}"
if [ "${#pythons[@]}" -eq 0 ]; then
    echo "no CPython >= 3.10 found" >&2
    exit 1
fi
build_python=${pythons[0]}
echo "interpreters: ${pythons[*]}"
versions=()
for py in "${pythons[@]}"; do
    versions+=("$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])')")
done
# The declared matrix must be here: a missing CPython fails CI instead of silently proving less.
if [ -z "${PYTHONS:-}" ]; then
    missing=()
    while read -r want; do
        [[ " ${versions[*]} " == *" $want "* ]] || missing+=("$want")
    done < <(bash ci/pythons.sh --expected)
    if [ "${#missing[@]}" -gt 0 ]; then
        echo "CPython ${missing[*]} declared for this machine (ci/pythons.sh) but not found" >&2
        exit 1
    fi
else
    echo "PYTHONS given: the declared matrix ($(bash ci/pythons.sh --expected | tr '\n' ' '))is not checked"
fi
tested=()
host=$(rustc -vV | sed -n 's/^host: //p')
arch=${host%%-*}

stage "services (redis-server for the Redis-backed rate limit and revocation tests, chromium for the docs pages)"
if ! command -v redis-server >/dev/null; then
    if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi
    bounded 600 $sudo apt-get update -q
    DEBIAN_FRONTEND=noninteractive bounded 900 $sudo apt-get install -y -q redis-server
fi
redis-server --version
# The tests start their own redis-server on a free port; here a missing one is a failure, not a skip.
export BOLT_REQUIRE_REDIS=1
# Headless Chromium renders the docs pages (tests/openapi/test_browser.py); required here too.
if ! command -v chromium >/dev/null; then
    if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi
    bounded 600 $sudo apt-get update -q
    DEBIAN_FRONTEND=noninteractive bounded 900 $sudo apt-get install -y -q chromium
fi
chromium --version
export BOLT_REQUIRE_CHROMIUM=1
# PostgreSQL for the database stage below (tests/pg_server.py runs initdb and postgres from
# Debian's versioned directory on a private socket; the package's own cluster is not used).
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v initdb >/dev/null; then
    if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi
    bounded 600 $sudo apt-get update -q
    DEBIAN_FRONTEND=noninteractive bounded 900 $sudo apt-get install -y -q postgresql
fi
ls -d /usr/lib/postgresql/*/bin 2>/dev/null || command -v initdb

stage "tools venv"
"$build_python" -m venv "$work/tools"
bounded 600 "$work/tools/bin/pip" install -q --upgrade pip
# ziglang: the linker maturin --zig uses to target glibc 2.17; PyYAML: ci/check_workflow.py.
bounded 900 "$work/tools/bin/pip" install -q "maturin>=1.5,<2" ruff ziglang auditwheel pyyaml
tools_path="$work/tools/bin:$PATH"

if [ "${SKIP_LINT:-0}" != "1" ]; then
    stage "lint"
    cargo fmt --check
    bounded 2400 cargo clippy --profile quick-release --all-targets -- -D warnings
    "$work/tools/bin/ruff" check python tests bench examples ci docs
    "$work/tools/bin/ruff" format --check python tests bench examples ci docs
fi

stage "hosted-runner wheel workflow"
"$work/tools/bin/python" ci/check_workflow.py

stage "pure-Rust dependency tree"
if bounded 600 cargo tree --prefix none --edges normal,build | grep -E '^(ring|aws-lc-[a-z-]+|openssl(-sys)?|native-tls) ' ; then
    echo "a C crypto library is in the dependency tree" >&2
    exit 1
fi

stage "rust unit tests"
bounded 2400 cargo test --profile quick-release

stage "fuzz the parsers (libFuzzer, 15 s per target)"
# Request head, chunked decoder, multipart, JWT/JWKS and WebSocket frames, from the committed
# seeds (fuzz/corpus); a crash fails here with its input in fuzz/artifacts/.
PYO3_PYTHON="$build_python" bounded 900 bash fuzz/run.sh 15

stage "build manylinux2014 abi3 wheel (maturin --zig)"
rm -rf "$work/wheels"
PATH="$tools_path" bounded 2400 "$work/tools/bin/maturin" build --profile quick-release --locked \
    --target "$host" --zig --compatibility manylinux2014 --interpreter "$build_python" --out "$work/wheels"
wheel=$(ls "$work"/wheels/django_bolt-*.whl)

stage "audit the wheel (tags, glibc symbol versions)"
"$work/tools/bin/python" ci/check_dist.py wheel "$wheel" --platform "manylinux_2_17_$arch" --max-glibc 2.17
"$work/tools/bin/auditwheel" show "$wheel" | tee "$work/auditwheel.txt"
tr -s ' \n' ' ' <"$work/auditwheel.txt" | grep -q "consistent with the following platform tag: \"manylinux_2_17_$arch\"" || {
    echo "auditwheel does not confirm manylinux_2_17_$arch" >&2
    exit 1
}

# The tests check the installed extension is the build made here.
export BOLT_EXPECT_PROFILE=quick-release BOLT_EXPECT_TARGET="$host"
for py in "${pythons[@]}"; do
    version=$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
    stage "pytest on CPython $version (wheel)"
    venv="$work/py$version"
    bounded 900 bash ci/wheels.sh install "$venv" "$py" "$wheel"
    if [ "$py" = "${pythons[0]}" ]; then
        # The stub checked against the extension as installed from the wheel (not python/).
        stage "stubtest (_core.pyi against the built _core, CPython $version)"
        bounded 600 "$venv/bin/pip" install -q mypy
        (cd "$work" && bounded 600 "$venv/bin/python" -m mypy.stubtest django_bolt._core)
        stage "pytest on CPython $version (wheel, continued)"
    fi
    if [ "$py" = "${pythons[-1]}" ]; then
        # The newest CPython's suite runs shuffled: tests within each module and the modules
        # themselves (pytest-random-order's module bucket: module-scoped servers still start once
        # per module), so an order dependence fails CI without a second whole-suite run.
        stage "pytest on CPython $version (wheel, in random order)"
        bounded 600 "$venv/bin/pip" install -q "pytest-random-order>=1.1"
        seed=${BOLT_RANDOM_ORDER_SEED:-$RANDOM}
        echo "random-order seed: $seed (BOLT_RANDOM_ORDER_SEED=$seed repeats this order)"
        BOLT_TEST_STAGE=random-order bounded 1800 bash ci/wheels.sh pytest "$venv" \
            --random-order --random-order-seed="$seed"
    else
        BOLT_TEST_STAGE=wheel bounded 1800 bash ci/wheels.sh pytest "$venv"
    fi
    tested+=("$version (wheel)")
    if [ "$py" = "${pythons[0]}" ]; then
        # Every suite sends a sample of mutated requests; this sends thousands, once.
        stage "HTTP mutation fuzz against runbolt (CPython $version)"
        BOLT_HTTP_FUZZ_REQUESTS=5000 BOLT_TEST_STAGE=wheel bounded 600 \
            bash ci/wheels.sh pytest "$venv" tests/server/test_http_fuzz.py
    fi
done

stage "handler tests with uvloop (CPython $version)"
bounded 600 "$venv/bin/pip" install -q uvloop
BOLT_TEST_STAGE=uvloop BOLT_TEST_EVENT_LOOP=uvloop bounded 900 \
    "$venv/bin/python" -m pytest -q -p no:cacheprovider tests/handlers tests/websocket

stage "PostgreSQL: the database tests and the fault tests on PostgreSQL (CPython $version, wheel)"
# Once, not per CPython: the suite's ORM-touching tests with BOLT_DB=postgres (tests/settings.py),
# plus tests/db, which restarts, stops and kills backends of clusters of its own.
BOLT_TEST_STAGE=postgres BOLT_DB=postgres BOLT_REQUIRE_POSTGRES=1 bounded 900 bash ci/wheels.sh pytest "$venv" \
    tests/db tests/server/test_orm.py tests/handlers tests/health tests/auth tests/views tests/serializers \
    tests/pagination tests/testing tests/integration tests/docs/test_examples.py

stage "benchmarks: 10,000 idle WebSockets, SSE fan-out vs the release (figures printed, not asserted; CPython $version)"
bounded 900 bash ci/bench.sh "$venv" "${pythons[-1]}" "$work/bench"

stage "build and check the sdist"
rm -rf "$work/sdist"
bounded 600 "$work/tools/bin/maturin" sdist --out "$work/sdist"
sdist=$(ls "$work"/sdist/django_bolt-*.tar.gz)
"$work/tools/bin/python" ci/check_dist.py sdist "$sdist"

sdist_version=$("$build_python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
stage "pip install the sdist: cargo build from source (CPython $sdist_version)"
# pip builds in a temporary copy of the sdist; quick-release keeps this stage short (a user's
# `pip install` builds the release profile), and a target dir of its own keeps it independent of
# the builds above (cold on a fresh clone).
CARGO_TARGET_DIR="$work/sdist-target" MATURIN_PEP517_ARGS="--profile quick-release" \
    bounded 3600 bash ci/wheels.sh install "$work/sdist-py$sdist_version" "$build_python" "$sdist"

stage "pytest on CPython $sdist_version (sdist install, smoke subset)"
# The extension built from the sdist is the same code the wheel stages tested whole: this checks
# the build (tests/distribution) and serves requests in process and over a socket.
BOLT_TEST_STAGE=sdist BOLT_EXPECT_TARGET="$host" bounded 1800 bash ci/wheels.sh pytest "$work/sdist-py$sdist_version" \
    tests/distribution tests/handlers tests/params tests/responses tests/server
tested+=("$sdist_version (sdist)")

finish_stage
current=""
echo
echo "stage timings:"
printf '%s\n' "${timings[@]}"
printf '%6ss  total\n' "$((SECONDS - started))"
echo "CPython versions tested here: ${tested[*]}"
echo "(3.14 and other platforms: the hosted-runner matrix, ci/workflows/wheels.yml)"
echo "==> done ($(date +%T))"
