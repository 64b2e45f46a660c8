#!/usr/bin/env bash
# The whole-request load benchmark (bench/requests.md): one axum server on one core, wrk on
# another, the five variants of the same handler taking turns; prints a markdown table.
#
#   bench/requests.sh [--svg PATH]
#
# Environment: ROUNDS (5) turns of each variant, SECONDS (5) per turn, WARMUP (1) seconds per
# variant before them, CONNECTIONS (16), SERVER_CPU (0) and LOAD_CPU (1) the cores of each side,
# OUT the folder for wrk's outputs (a new temporary folder by default; kept, and named at the end).
set -euo pipefail

# Bash's own SECONDS counts the shell's age, and reads as 0 when unset: only the environment
# tells whether the caller gave a duration. Read before anything else takes time.
seconds=$(printenv SECONDS || true)
seconds=${seconds:-5}
rounds=${ROUNDS:-5}
warmup=${WARMUP:-1}
connections=${CONNECTIONS:-16}
server_cpu=${SERVER_CPU:-0}
load_cpu=${LOAD_CPU:-1}

usage() {
  echo "usage: bench/requests.sh [--svg PATH]  (env: ROUNDS SECONDS WARMUP CONNECTIONS SERVER_CPU LOAD_CPU OUT)" >&2
  exit 2
}
report_args=()
while (($#)); do
  case $1 in
    --svg)
      (($# >= 2)) || usage
      # The report runs from the workspace's root: a relative path is taken from where this
      # script was called.
      case $2 in /*) svg=$2 ;; *) svg=$PWD/$2 ;; esac
      report_args+=(--svg "$svg")
      shift 2
      ;;
    *) usage ;;
  esac
done
for value in "$seconds" "$rounds" "$warmup" "$connections"; do
  [[ $value =~ ^[1-9][0-9]*$ ]] || { echo "not a positive whole number: $value" >&2; usage; }
done
if [[ $server_cpu == "$load_cpu" ]]; then
  echo "SERVER_CPU and LOAD_CPU must differ: the load generator would take the server's core" >&2
  exit 2
fi

cd "$(dirname "$0")/.."

missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v taskset >/dev/null || missing+=(util-linux)
if ((${#missing[@]})); then
  echo "== installing ${missing[*]}" >&2
  sudo=()
  ((EUID == 0)) || sudo=(sudo)
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
for cpu in "$server_cpu" "$load_cpu"; do
  taskset -c "$cpu" true 2>/dev/null || { echo "no CPU $cpu here: set SERVER_CPU and LOAD_CPU" >&2; exit 2; }
done

echo "== building the server (release)" >&2
bin=$(cargo build --release --quiet -p sigcookie-bench --example requests \
  --message-format=json-render-diagnostics |
  sed -n 's/.*"executable":"\([^"]*\/requests\)".*/\1/p' | tail -n 1)
[[ -x $bin ]] || { echo "the build named no executable for the requests example" >&2; exit 1; }

out=${OUT:-$(mktemp -d "${TMPDIR:-/tmp}/sigcookie-requests.XXXXXX")}
mkdir -p "$out"
rm -f "$out"/*.wrk "$out"/*.allocations "$out"/*.counters "$out"/meta

taskset -c "$server_cpu" "$bin" serve >"$out/server.out" 2>"$out/server.err" &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true' EXIT

# The server checks every variant over HTTP before it says `ready`.
for _ in $(seq 300); do
  grep -qx ready "$out/server.out" && break
  kill -0 "$server" 2>/dev/null || { cat "$out/server.err" >&2; echo "the server stopped" >&2; exit 1; }
  sleep 0.1
done
grep -qx ready "$out/server.out" || { echo "the server did not get ready in 30 s" >&2; exit 1; }
addr=$(awk -F'\t' '$1 == "listening" { print $2 }' "$out/server.out")
keys=()
declare -A path cookie
while IFS=$'\t' read -r tag key p c; do
  [[ $tag == variant ]] || continue
  keys+=("$key")
  path[$key]=$p
  cookie[$key]=$c
done <"$out/server.out"

# One wrk run of a variant into a file. A run with refused requests stops everything, since it
# did not time the path it names; socket errors (a timeout on a busy machine) are only shown.
load() {
  local key=$1 duration=$2 file=$3
  local args=(-t1 "-c$connections" "-d${duration}s" --latency)
  [[ ${cookie[$key]} == - ]] || args+=(-H "Cookie: ${cookie[$key]}")
  taskset -c "$load_cpu" wrk "${args[@]}" "http://$addr${path[$key]}" >"$file"
  if grep -q 'Non-2xx' "$file"; then
    cat "$file" >&2
    echo "refused requests in the run of $key: see above" >&2
    exit 1
  fi
  grep -H 'Socket errors' "$file" >&2 || true
}

# A control request to the server (bash's own TCP, no client to install): its body.
control() {
  local response
  exec 3<>"/dev/tcp/${addr%:*}/${addr##*:}"
  printf 'GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n' "$1" "$addr" >&3
  response=$(cat <&3)
  exec 3<&-
  [[ $response == "HTTP/1.1 200 "* ]] || { echo "control request $1 failed" >&2; exit 1; }
  printf '%s\n' "${response##*$'\r\n'}"
}

total=$((${#keys[@]} * (warmup + rounds * seconds)))
echo "== ${#keys[@]} variants: ${warmup} s warm-up each, then $rounds rounds of $seconds s each, about $total s" >&2
# The warm-up also counts allocations; the timed runs do not count them.
for key in "${keys[@]}"; do
  control /allocations/start >/dev/null
  load "$key" "$warmup" "$out/warmup-$key.wrk"
  control /allocations/stop >"$out/warmup-$key.allocations"
done
# Each round starts one variant further on, so that no variant always follows the same one.
for ((round = 1; round <= rounds; round++)); do
  echo "== round $round of $rounds" >&2
  for ((i = 0; i < ${#keys[@]}; i++)); do
    key=${keys[(i + round - 1) % ${#keys[@]}]}
    # The server's CPU and wait time around the run, for its CPU time per request.
    control /counters >"$out/round-$round-$key.counters"
    load "$key" "$seconds" "$out/round-$round-$key.wrk"
    control /counters >>"$out/round-$round-$key.counters"
  done
done

{
  echo "server_cpu=$server_cpu"
  echo "load_cpu=$load_cpu"
  echo "wrk=$(wrk -v 2>&1 | head -n 1 | awk '{ print $1, $2 }')"
  echo "threads=1"
  echo "connections=$connections"
  echo "seconds=$seconds"
  echo "warmup=$warmup"
} >"$out/meta"

"$bin" report "$out" "${report_args[@]}"
echo "wrk's outputs: $out" >&2
