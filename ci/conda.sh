#!/usr/bin/env bash
# The conda/pixi distribution, checked and built on this machine with no conda channel reachable.
# Installs what it needs itself (a venv with py-rattler-build and friends from PyPI, patchelf
# from apt) and prints a timing line per stage:
#
#   a  render   recipe/recipe.yaml rendered for linux-64, linux-aarch64, osx-64, osx-arm64 and
#               win-64 with conda-forge-like variants: one variant each, the expected compilers
#   b  schema   the recipes validated against the vendored recipe-format JSON schema
#   c  static   pixi.toml (platforms, environments, tasks, dependencies = the recipe's; the
#               test task portable to all five platforms) and ci/workflows/conda.yml (native
#               runner per target, rattler-build, pixi jobs)
#   d  version  one version in Cargo.toml, pyproject.toml, the recipe, pixi.toml and the
#               workflow; the same runtime dependencies in pyproject, the recipe and pixi.toml
#   e  crypto   `cargo tree` for all targets holds no ring, aws-lc, openssl or native-tls
#   f  build    ci/conda/offline_build.py: bootstrap channel from this machine's CPythons, rustup
#               toolchain, gcc, redis-server and PyPI wheels; the recipe built and tested against
#               it; the package installed into a fresh environment per CPython but the newest,
#               where pytest runs (whole suite on the oldest, a smoke subset between; ci/test.sh
#               runs the whole suite on each); for the newest, the simulated `pixi run test`
#               (an environment from pixi.toml's py3XX dependencies, the test task's command run
#               in it: it builds the extension with the environment's toolchain, then the suite);
#               the .conda inspected (layout, licenses incl. THIRDPARTY.yml, no build paths)
#
# Usage: bash ci/conda.sh [--checks-only] [--fresh]
#   --checks-only   stages a-e (what the hosted-runner workflow runs before its native builds)
#   --fresh         rebuild the bootstrap channel even if a matching one is cached
# Environment:
#   BOLT_CONDA_WORK  work directory (default ~/.cache/django-bolt-conda; the bootstrap channel is
#                    cached there under a key of everything that goes into it)
#   PYTHONS          interpreters, as for ci/test.sh (default: every CPython >= 3.10 found)
#   BOLT_CARGO_LTO, BOLT_CARGO_CGU, BOLT_CONDA_TEST_ARGS (recipe tests), BOLT_CONDA_SUITE_ARGS
#   (extra pytest arguments in the fresh environments), BOLT_CONDA_JOBS (suites at a time, 1):
#   see stage f below and ci/conda/offline_build.py
set -euo pipefail
cd "$(dirname "$0")/.."

checks_only=0
fresh=()
for arg in "$@"; do
    case "$arg" in
    --checks-only) checks_only=1 ;;
    --fresh) fresh=(--fresh) ;;
    *)
        echo "usage: bash ci/conda.sh [--checks-only] [--fresh]" >&2
        exit 2
        ;;
    esac
done

work=${BOLT_CONDA_WORK:-$HOME/.cache/django-bolt-conda}
mkdir -p "$work"
work=$(cd "$work" && pwd)

read -r -a pythons <<<"${PYTHONS:-$(bash ci/pythons.sh | tr '\n' ' ')}"
if [ "${#pythons[@]}" -eq 0 ]; then
    echo "no CPython >= 3.10 found" >&2
    exit 1
fi

timings=()
stage_name=""
stage_start=0
begin() {
    stage_name=$1
    stage_start=$(date +%s)
    printf '\n==> conda %s (%s)\n' "$stage_name" "$(date +%T)"
}
end() {
    local took=$(($(date +%s) - stage_start))
    timings+=("$(printf '%-34s %5ss' "$stage_name" "$took")")
    printf '<== conda %s: %ss\n' "$stage_name" "$took"
}
report() {
    local status=$?
    if [ "${#timings[@]}" -gt 0 ]; then
        printf '\n==> conda stage timings%s\n' "$([ "$status" -eq 0 ] || echo " (FAILED in: $stage_name)")"
        printf '  %s\n' "${timings[@]}"
        printf '  %-34s %5ss\n' "total" "$(($(date +%s) - started))"
    fi
}
started=$(date +%s)
trap report EXIT

begin "setup (tools venv, patchelf)"
# The newest CPython runs the tools (any >= 3.10 works; tomli covers 3.10's missing tomllib).
tool_python=${pythons[${#pythons[@]} - 1]}
venv="$work/tools-venv"
requirements=(
    "py-rattler-build==0.73.0"
    "py-rattler==0.28.0"
    "jsonschema>=4.18"
    "PyYAML>=6"
    "packaging>=23"
    "tomli>=2; python_version < '3.11'"
)
stamp="$("$tool_python" -c 'import sys; print(sys.version)') ${requirements[*]}"
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$venv/stamp" 2>/dev/null)" != "$stamp" ]; then
    rm -rf "$venv"
    "$tool_python" -m venv "$venv"
    "$venv/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip
    "$venv/bin/python" -m pip install -q --disable-pip-version-check "${requirements[@]}"
    echo "$stamp" >"$venv/stamp"
fi
"$venv/bin/python" -c 'import rattler_build; print("py-rattler-build", rattler_build.rattler_build_version())'
# rattler-build relocates the repackaged CPythons' binaries with patchelf; the suite in the fresh
# environments requires redis-server (BOLT_REQUIRE_REDIS=1, as in ci/test.sh), which the bootstrap
# channel also repackages for the simulated pixi environment
missing=()
command -v patchelf >/dev/null || missing+=(patchelf)
command -v redis-server >/dev/null || missing+=(redis-server)
if [ "$checks_only" -eq 0 ] && [ "${#missing[@]}" -gt 0 ]; then
    sudo=()
    [ "$(id -u)" -eq 0 ] || sudo=(sudo)
    "${sudo[@]}" apt-get update -qq
    "${sudo[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
fi
end

py="$venv/bin/python"

begin "a: render check (5 targets)"
"$py" ci/conda/checks.py render
end

begin "b: recipe schema check"
"$py" ci/conda/checks.py schema
end

begin "c: static pixi.toml + workflow check"
"$py" ci/conda/checks.py static
end

begin "d: version consistency"
"$py" ci/conda/checks.py version
end

begin "e: no C crypto in cargo tree"
"$py" ci/conda/checks.py crypto
end

if [ "$checks_only" -eq 1 ]; then
    exit 0
fi

begin "f: offline end-to-end conda build"
args=()
for interpreter in "${pythons[@]}"; do
    args+=(--python "$interpreter")
done
# Fits the CI time limit: fat LTO and a single codegen unit off (the published build keeps both);
# the recipe's own tests (python_min and newest) run the in-process part of the suite, and the
# fresh environments run the whole suite (oldest CPython, and the newest as `pixi run test`) or a
# smoke subset (those between), real-server tests included. Bounded at
# 2 h (cold it takes ~12.5 min; a fresh bootstrap channel adds its downloads) so a hang fails CI.
# The recipe's test files are tests/, docs/examples/ and a few top-level files: the tests that read
# the Rust sources (architecture) or serve examples/ (OpenAPI browser, schemathesis, the admin) run in the
# fresh environments, from the repository.
recipe_tests="tests --ignore=tests/server --ignore=tests/production --ignore=tests/architecture"
recipe_tests+=" --ignore=tests/openapi/test_browser.py --ignore=tests/openapi/test_schemathesis.py"
# runbolt on the Django site / the example project (real-server tests, like tests/server)
recipe_tests+=" --ignore=tests/mounts/test_admin_socket.py --ignore=tests/openapi/test_example_admin.py"
recipe_tests+=" --ignore=tests/lifecycle/test_lifespan_socket.py"
BOLT_CARGO_LTO=${BOLT_CARGO_LTO:-off} \
    BOLT_CARGO_CGU=${BOLT_CARGO_CGU:-16} \
    BOLT_CONDA_TEST_ARGS=${BOLT_CONDA_TEST_ARGS:-$recipe_tests} \
    BOLT_CONDA_SUITE_ARGS=${BOLT_CONDA_SUITE_ARGS:-} \
    timeout --kill-after=60 7200 "$py" ci/conda/offline_build.py --work "$work" "${args[@]}" "${fresh[@]}"
end
