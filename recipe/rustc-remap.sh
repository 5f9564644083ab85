#!/bin/sh
# RUSTC_WRAPPER for the unix build (see recipe.yaml): rustc records /src and /cargo instead of the
# build's source and CARGO_HOME directories, e.g. in panic locations inside the extension.
# The last matching --remap-path-prefix wins, so the nested CARGO_HOME comes second.
exec "$@" "--remap-path-prefix=${SRC_DIR}=/src" "--remap-path-prefix=${CARGO_HOME}=/cargo"
