#!/usr/bin/env bash
# The whole test suite, from a fresh clone: lint, Rust unit tests, one manylinux2014 abi3 wheel
# built once (zig links it against glibc 2.17) and audited, the pytest suite against that installed
# wheel on every CPython >= 3.10 on this machine, then the sdist: built, checked, installed with pip
# (a cargo build from source) and tested too. Prints how long each stage took.
# Usage: bash ci/test.sh            (PYTHONS="path ..." to choose interpreters, SKIP_LINT=1 to skip lint)
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

read -r -a pythons <<<"${PYTHONS:-$(bash ci/pythons.sh | tr '\n' ' ')}"
if [ "${#pythons[@]}" -eq 0 ]; then
    echo "no CPython >= 3.10 found" >&2
    exit 1
fi
build_python=${pythons[0]}
echo "interpreters: ${pythons[*]}"
host=$(rustc -vV | sed -n 's/^host: //p')
arch=${host%%-*}

stage "services (redis-server for the Redis-backed rate limit and revocation tests, chromium for the docs pages)"
if ! command -v redis-server >/dev/null; then
    if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi
    $sudo apt-get update -q
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q redis-server
fi
redis-server --version
# The tests start their own redis-server on a free port; here a missing one is a failure, not a skip.
export BOLT_REQUIRE_REDIS=1
# Headless Chromium renders the docs pages (tests/openapi/test_browser.py); required here too.
if ! command -v chromium >/dev/null; then
    if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi
    $sudo apt-get update -q
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q chromium
fi
chromium --version
export BOLT_REQUIRE_CHROMIUM=1

stage "tools venv"
"$build_python" -m venv "$work/tools"
"$work/tools/bin/pip" install -q --upgrade pip
# ziglang: the linker maturin --zig uses to target glibc 2.17; PyYAML: ci/check_workflow.py.
"$work/tools/bin/pip" install -q "maturin>=1.5,<2" ruff ziglang auditwheel pyyaml
tools_path="$work/tools/bin:$PATH"

if [ "${SKIP_LINT:-0}" != "1" ]; then
    stage "lint"
    cargo fmt --check
    cargo clippy --profile quick-release --all-targets -- -D warnings
    "$work/tools/bin/ruff" check python tests bench examples ci docs
    "$work/tools/bin/ruff" format --check python tests bench examples ci docs
fi

stage "hosted-runner wheel workflow"
"$work/tools/bin/python" ci/check_workflow.py

stage "pure-Rust dependency tree"
if cargo tree --prefix none --edges normal,build | grep -E '^(ring|aws-lc-[a-z-]+|openssl(-sys)?|native-tls) ' ; then
    echo "a C crypto library is in the dependency tree" >&2
    exit 1
fi

stage "rust unit tests"
cargo test --profile quick-release

stage "build manylinux2014 abi3 wheel (maturin --zig)"
rm -rf "$work/wheels"
PATH="$tools_path" "$work/tools/bin/maturin" build --profile quick-release --locked \
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
    bash ci/wheels.sh install "$venv" "$py" "$wheel"
    if [ "$py" = "${pythons[0]}" ]; then
        # The stub checked against the extension as installed from the wheel (not python/).
        stage "stubtest (_core.pyi against the built _core, CPython $version)"
        "$venv/bin/pip" install -q mypy
        (cd "$work" && "$venv/bin/python" -m mypy.stubtest django_bolt._core)
        stage "pytest on CPython $version (wheel, continued)"
    fi
    bash ci/wheels.sh pytest "$venv"
done

stage "handler tests with uvloop (CPython $version)"
"$venv/bin/pip" install -q uvloop
BOLT_TEST_EVENT_LOOP=uvloop "$venv/bin/python" -m pytest -q -p no:cacheprovider tests/handlers tests/websocket

stage "build and check the sdist"
rm -rf "$work/sdist"
"$work/tools/bin/maturin" sdist --out "$work/sdist"
sdist=$(ls "$work"/sdist/django_bolt-*.tar.gz)
"$work/tools/bin/python" ci/check_dist.py sdist "$sdist"

sdist_version=$("$build_python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
stage "pip install the sdist: cargo build from source (CPython $sdist_version)"
# pip builds in a temporary copy of the sdist; quick-release keeps this stage short (a user's
# `pip install` builds the release profile), and a target dir of its own keeps it independent of
# the builds above (cold on a fresh clone).
CARGO_TARGET_DIR="$work/sdist-target" MATURIN_PEP517_ARGS="--profile quick-release" \
    bash ci/wheels.sh install "$work/sdist-py$sdist_version" "$build_python" "$sdist"

stage "pytest on CPython $sdist_version (sdist install)"
BOLT_EXPECT_TARGET="$host" bash ci/wheels.sh pytest "$work/sdist-py$sdist_version"

finish_stage
current=""
echo
echo "stage timings:"
printf '%s\n' "${timings[@]}"
printf '%6ss  total\n' "$((SECONDS - started))"
echo "==> done ($(date +%T))"
