#!/usr/bin/env bash
# Verify time of sigcookie values against the usual JWT library of Python, Node and Rust, on the
# same values and tokens (values.json), as markdown tables with the machine they ran on.
#
#   bench/languages/run.sh              the tables; writes no file in the repository
#   bench/languages/run.sh --svg PATH   the same, and draws the chart at PATH
#   bench/languages/run.sh --quick      a few short rounds: checks that everything runs
#   bench/languages/run.sh --generate   writes values.json again (committed data)
#
# Installs what it needs: python3 and node from Debian's packages when missing, PyJWT into a
# virtual environment and jsonwebtoken (package-lock.json) into node_modules, both in this folder
# and ignored by git.
set -euo pipefail

PYJWT_VERSION=2.15.1

usage() {
  echo "usage: bench/languages/run.sh [--quick] [--svg PATH] | --generate" >&2
  exit 2
}

quick=() svg="" generate=false
while (($#)); do
  case "$1" in
    --quick) quick=(--quick) ;;
    --svg) (($# >= 2)) || usage; svg="$2"; shift ;;
    --generate) generate=true ;;
    *) usage ;;
  esac
  shift
done
# The chart's path is the caller's, taken before leaving their folder.
if [[ -n "$svg" && "$svg" != /* ]]; then svg="$PWD/$svg"; fi

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"

apt_install() {
  local sudo=()
  [[ "$(id -u)" == 0 ]] || sudo=(sudo)
  echo "== installing $* (apt-get)" >&2
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "$@" >/dev/null
}

# Debian's python3 makes virtual environments only with python3-venv (which brings ensurepip).
if ! command -v python3 >/dev/null; then
  apt_install python3 python3-venv
elif ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
  apt_install python3-venv
fi
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  apt_install nodejs npm
fi

venv="$here/.venv"
[[ -x "$venv/bin/python" ]] || python3 -m venv "$venv"
py="$venv/bin/python"
if [[ "$("$py" -c 'import jwt; print(jwt.__version__)' 2>/dev/null)" != "$PYJWT_VERSION" ]]; then
  echo "== installing PyJWT $PYJWT_VERSION into bench/languages/.venv" >&2
  "$py" -m pip install --quiet --disable-pip-version-check "PyJWT==$PYJWT_VERSION"
fi

if $generate; then
  exec "$py" "$here/bench.py" --generate
fi

want_jwt="$(node -p 'require(process.argv[1]).packages["node_modules/jsonwebtoken"].version' \
  "$here/package-lock.json")"
have_jwt="$(cd "$here" && node -p 'require("jsonwebtoken/package.json").version' 2>/dev/null)" ||
  have_jwt=""
if [[ "$have_jwt" != "$want_jwt" ]]; then
  echo "== installing jsonwebtoken $want_jwt into bench/languages/node_modules" >&2
  (cd "$here" && npm ci --silent --no-audit --no-fund)
fi

# Built before anything is timed, so that the compiler does not run beside the Python and Node
# timings.
(cd "$root" && cargo build --release --quiet -p sigcookie-bench --example languages)

results="$(mktemp -d)"
trap 'rm -rf "$results"' EXIT

cpu="$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)"
sha_ni=""
grep -qw sha_ni /proc/cpuinfo && sha_ni=", SHA-NI"
python_v="$("$py" -c 'import platform, ssl, jwt
print(f"Python {platform.python_version()} (OpenSSL {ssl.OPENSSL_VERSION.split()[1]}), PyJWT {jwt.__version__}")')"
# shellcheck disable=SC2016 # a JavaScript template string, expanded by node
node_v="$(cd "$here" && node -p '`Node ${process.version} (OpenSSL ${process.versions.openssl}), jsonwebtoken ${require("jsonwebtoken/package.json").version}`')"
rust_jwt="$(awk '/^name = "jsonwebtoken"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' "$root/Cargo.lock")"
machine="${cpu:-unknown CPU}, $(nproc) cores$sha_ni; $python_v; $node_v; $(rustc --version | cut -d' ' -f1-2), jsonwebtoken $rust_jwt (rust_crypto)"

echo "$machine"
echo
"$py" "$here/bench.py" "${quick[@]}" --json "$results/python.json"
echo
node "$here/bench.mjs" "${quick[@]}" --json "$results/node.json"
echo
(cd "$root" && cargo run --release --quiet -p sigcookie-bench --example languages -- \
  "${quick[@]}" --json "$results/rust.json")
echo
summary=(--summary --machine "$machine")
[[ -z "$svg" ]] || summary+=(--svg "$svg")
"$py" "$here/bench.py" "${summary[@]}" "$results/python.json" "$results/node.json" "$results/rust.json"
