#!/usr/bin/env python3
"""Verify time in Python: sigcookie values (hmac + hmac.compare_digest) against PyJWT.

Verifies the values and tokens of values.json, beside this file, and prints a markdown table:
microseconds per verify and how many times longer PyJWT's jwt.decode took. Run it through
run.sh, which installs PyJWT into a virtual environment first.

The sigcookie side is the verify function of the format's Python reference
(tests/interop/sigcookie_ref.py, standard library only), imported as it is.

    bench.py [--quick] [--json PATH]       time the verifies
    bench.py --generate                    write values.json again (it is committed data)
    bench.py --summary [--svg PATH --machine TEXT] RESULTS.json...
                                           one line per language, and the chart of run.sh --svg
"""
import argparse
import hashlib
import hmac
import json
import statistics
import sys
import time
import timeit
from pathlib import Path

HERE = Path(__file__).resolve().parent
VALUES = HERE / "values.json"
# The reference is imported from the tests' folder, which must stay as the repository has it.
sys.dont_write_bytecode = True
sys.path.insert(0, str(HERE.parent.parent / "tests" / "interop"))
import sigcookie_ref as ref  # noqa: E402  (found through the path above)

# What values.json holds. The secret and the ids are those of the Rust benches
# (bench/benches/common/mod.rs), so the Rust rows here verify what `compare` verifies.
SECRET = b"sigcookie bench secret: 64 bytes, same for every contender here!"
IDS = ["12345", "0b9d4a5e-6f8c-4f3b-9a61-2d7e8c1f4b3a"]
PURPOSE = "session"
TAG_BYTES = 32
# The worked examples' issue time, and 2100-01-01T00:00:00Z: the timed value's maximum age is the
# JWT's lifetime, so the value and the token expire together and the file stays valid until then.
ISSUED_AT = 1764000000
EXPIRES_AT = 4102444800
LEEWAY = 60

# Interleaved rounds; each operation's time is its median round. A round of one operation is
# long against the clock's resolution and short against a burst of load elsewhere.
ROUNDS, BATCH_S = 31, 0.02
QUICK_ROUNDS, QUICK_BATCH_S = 3, 0.002


def id_label(id_):
    return f"id{len(id_)}"


def generate():
    import jwt

    values = []
    for id_ in IDS:
        token = jwt.encode({"sub": id_, "iat": ISSUED_AT, "exp": EXPIRES_AT}, SECRET,
                           algorithm="HS256")
        values.append({
            "id": id_,
            "untimed": ref.sign(SECRET, PURPOSE, TAG_BYTES, id_),
            "timed": ref.sign(SECRET, PURPOSE, TAG_BYTES, id_, ISSUED_AT),
            "jwt": token,
        })
    data = {
        "generated_by": f"bench/languages/bench.py --generate (PyJWT {jwt.__version__})",
        "secret_hex": SECRET.hex(),
        "purpose": PURPOSE,
        "tag_bytes": TAG_BYTES,
        "issued_at": ISSUED_AT,
        "expires_at": EXPIRES_AT,
        "max_age": EXPIRES_AT - ISSUED_AT,
        "leeway": LEEWAY,
        "values": values,
    }
    VALUES.write_text(json.dumps(data, indent=2) + "\n")
    print(f"wrote {VALUES.relative_to(HERE.parent.parent)}")


class Row:
    """One verify timed: `run` verifies and returns the id it read."""

    def __init__(self, name, id_, kind, run, want, size, chart=False):
        self.name, self.id, self.kind, self.run = name, id_label(id_), kind, run
        self.want, self.size, self.chart = want, size, chart


def contenders(data):
    """Per id, the untimed value, the timed one and the JWT; then, for the short id, the
    reference used as it is, and the HMAC alone."""
    import jwt

    secret = bytes.fromhex(data["secret_hex"])
    purpose, tag = data["purpose"], data["tag_bytes"]
    max_age, leeway = data["max_age"], data["leeway"]
    # A server derives the purpose's key once; the reference takes the secret and derives it at
    # every call. Its unbound signer (purpose None) uses the key it is given as it is, so passing
    # it the derived key runs the same checks on the same MAC with the derivation done once.
    k = ref.derive_key(secret, purpose)
    rows = []
    for v in data["values"]:
        id_, label = v["id"], id_label(v["id"])
        untimed, timed, token = v["untimed"], v["timed"], v["jwt"]
        rows += [
            Row(f"sigcookie format untimed {label}", id_, "untimed",
                lambda value=untimed: ref.verify(k, (), None, tag, False, value)[0],
                id_, len(untimed), chart=True),
            # The clock is read at every verify, as jwt.decode reads it.
            Row(f"sigcookie format timed {label}", id_, "timed",
                lambda value=timed: ref.verify(k, (), None, tag, True, value, int(time.time()),
                                               max_age, leeway)[0],
                id_, len(timed), chart=True),
            # Its defaults, as a user writes it: the signature, then exp, iat (and nbf) when
            # present.
            Row(f"PyJWT HS256 {label}", id_, "jwt",
                lambda token=token: jwt.decode(token, secret, algorithms=["HS256"])["sub"],
                id_, len(token), chart=True),
        ]
    v = data["values"][0]
    id_, label, untimed = v["id"], id_label(v["id"]), v["untimed"]
    msg, sig = (p.encode("ascii") for p in untimed.rsplit(".", 1))

    def hmac_alone():
        mac = hmac.new(k, msg, hashlib.sha256).hexdigest().encode("ascii")
        return id_ if hmac.compare_digest(mac, sig) else None

    rows += [
        Row(f"reference verify untimed {label}, key derived per call", id_, "untimed",
            lambda: ref.verify(secret, (), purpose, tag, False, untimed)[0],
            id_, len(untimed)),
        Row(f"HMAC-SHA256 of {label} alone (hmac.new, compare_digest)", id_, "hmac",
            hmac_alone, id_, len(untimed)),
    ]
    return rows


def check(data):
    """The data must be what the reference signs, and each contender must accept its value and
    the reference refuse a forgery, before anything is timed."""
    secret = bytes.fromhex(data["secret_hex"])
    for v in data["values"]:
        want_untimed = ref.sign(secret, data["purpose"], data["tag_bytes"], v["id"])
        want_timed = ref.sign(secret, data["purpose"], data["tag_bytes"], v["id"],
                              data["issued_at"])
        if (v["untimed"], v["timed"]) != (want_untimed, want_timed):
            sys.exit(f"values.json: the values of {v['id']} are not the reference's")
    for row in contenders(data):
        got = row.run()
        if got != row.want:
            sys.exit(f"{row.name}: verified as {got!r}, not {row.want!r}")
    value = data["values"][0]["untimed"]
    forged = value[:-1] + ("1" if value.endswith("0") else "0")
    try:
        ref.verify(ref.derive_key(secret, data["purpose"]), (), None, data["tag_bytes"], False,
                   forged)
    except ref.Reject:
        return
    sys.exit("a forged value verified")


def measure(functions, rounds, batch_s):
    """Seconds per call of each function: the median of `rounds` interleaved timeit batches."""
    timers = [timeit.Timer(f) for f in functions]
    numbers = []
    for t in timers:  # also the warm-up
        n = 1
        while True:
            elapsed = t.timeit(n)
            if elapsed >= batch_s / 4:
                numbers.append(max(1, int(n * batch_s / elapsed)))
                break
            n *= 4
    samples = [[] for _ in timers]
    for round_ in range(-1, rounds):
        for i, t in enumerate(timers):
            seconds = t.timeit(numbers[i]) / numbers[i]
            if round_ >= 0:  # the first round only warms up
                samples[i].append(seconds)
    return [statistics.median(s) for s in samples]


def run(quick, json_path):
    data = json.loads(VALUES.read_text())
    check(data)
    rows = contenders(data)
    rounds, batch_s = (QUICK_ROUNDS, QUICK_BATCH_S) if quick else (ROUNDS, BATCH_S)
    us = [s * 1e6 for s in measure([r.run for r in rows], rounds, batch_s)]
    jwt_us = {r.id: t for r, t in zip(rows, us) if r.kind == "jwt"}
    print("| Python verify | µs/verify | PyJWT ÷ this | bytes |")
    print("|---|---:|---:|---:|")
    for r, t in zip(rows, us):
        print(f"| {r.name} | {fmt_us(t)} | {fmt_ratio(jwt_us[r.id] / t)} | {r.size} |")
    if json_path:
        Path(json_path).write_text(json.dumps({
            "language": "Python", "format": "sigcookie format", "jwt": "PyJWT",
            "rows": [{"name": r.name, "id": r.id, "kind": r.kind, "chart": r.chart, "us": t,
                      "bytes": r.size} for r, t in zip(rows, us)]}))


def fmt_us(us):
    """Three significant digits or so, at most three decimals."""
    return f"{us:.1f}" if us >= 10 else f"{us:.2f}" if us >= 1 else f"{us:.3f}"


def fmt_ratio(ratio):
    return f"{ratio:.1f}" if ratio >= 1 else f"{ratio:.2f}"


def summary(result_paths, machine, svg_path):
    """One line per language for the short id (the untimed and the timed value, and the JWT),
    from the results of --json runs; with svg_path, their chart."""
    lines = []
    for path in result_paths:
        res = json.loads(Path(path).read_text())
        us = {row["kind"]: row["us"] for row in res["rows"] if row["chart"] and row["id"] == "id5"}
        if set(us) != {"untimed", "timed", "jwt"}:
            sys.exit(f"{path}: not the results of a run")
        lines.append((res["language"], res["format"], res["jwt"], us))
    print("| verify of 12345 | sigcookie untimed µs | timed µs | JWT library | JWT µs "
          "| JWT ÷ untimed | JWT ÷ timed |")
    print("|---|---:|---:|---|---:|---:|---:|")
    for language, _, library, us in lines:
        print(f"| {language} | {fmt_us(us['untimed'])} | {fmt_us(us['timed'])} | {library} "
              f"| {fmt_us(us['jwt'])} | {fmt_ratio(us['jwt'] / us['untimed'])} "
              f"| {fmt_ratio(us['jwt'] / us['timed'])} |")
    if svg_path:
        chart(svg_path, machine, lines)


def chart(svg_path, machine, lines):
    """A horizontal bar per language and verify, µs to scale, coloured by side (the format or
    the JWT library); drawn like `compare`'s chart."""
    label_w, bar_w, row_h = 250.0, 500.0, 20.0
    bars = [(f"{language}: {side}", us[kind], kind == "jwt")
            for language, format_, library, us in lines
            for kind, side in [("untimed", f"{format_}, untimed"), ("timed", f"{format_}, timed"),
                               ("jwt", library)]]
    # The caption is long (three runtimes and their libraries): one line per part.
    caption = [part.strip() for part in machine.split(";")] if machine else []
    top = 40.0 + 16.0 * len(caption) + 8.0
    top_us = max(us for _, us, _ in bars)
    width, height = label_w + bar_w + 80.0, top + row_h * len(bars) + 16.0
    esc = lambda s: s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")  # noqa: E731
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:g}" height="{height:g}" '
        f'viewBox="0 0 {width:g} {height:g}" font-family="sans-serif" font-size="12">',
        '<rect width="100%" height="100%" fill="white"/>',
        '<text x="10" y="20" font-size="15" font-weight="bold">sigcookie values vs JWT in '
        'Python, Node and Rust: µs per verify of 12345 (shorter is faster)</text>',
    ]
    out += [f'<text x="10" y="{40 + 16 * i}" fill="#555">{esc(part)}</text>'
            for i, part in enumerate(caption)]
    for i, (label, us, is_jwt) in enumerate(bars):
        y = top + row_h * i
        w = max(us / top_us * bar_w, 1.0)
        colour = "#e07b39" if is_jwt else "#3b6fb6"
        out.append(
            f'<text x="{label_w - 6:.0f}" y="{y + 13:.0f}" text-anchor="end">{esc(label)}</text>'
            f'<rect x="{label_w:.0f}" y="{y + 3:.0f}" width="{w:.1f}" height="{row_h - 6:.0f}" '
            f'fill="{colour}"/><text x="{label_w + w + 4:.1f}" y="{y + 13:.0f}">{fmt_us(us)}</text>')
    out.append("</svg>\n")
    Path(svg_path).parent.mkdir(parents=True, exist_ok=True)
    Path(svg_path).write_text("\n".join(out))
    print(f"chart written to {svg_path}", file=sys.stderr)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--generate", action="store_true", help="write values.json again")
    ap.add_argument("--quick", action="store_true", help="a few short rounds: a smoke test")
    ap.add_argument("--json", metavar="PATH", help="also write the results there")
    ap.add_argument("--summary", action="store_true",
                    help="print the summary of RESULTS (files written with --json)")
    ap.add_argument("--svg", metavar="PATH", help="with --summary: also draw the chart there")
    ap.add_argument("--machine", default="", help="with --svg: the chart's caption")
    ap.add_argument("results", nargs="*", help="with --summary: the results to read")
    args = ap.parse_args()
    if args.generate:
        return generate()
    if args.summary:
        return summary(args.results, args.machine, args.svg)
    if args.results or args.svg:
        ap.error("RESULTS and --svg go with --summary")
    run(args.quick, args.json)


if __name__ == "__main__":
    main()
