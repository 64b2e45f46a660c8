#!/usr/bin/env python3
"""Independent reference implementation of the sigcookie v1 wire format.

Written from the normative spec only (never from the Rust crate) so that the
two can be checked against each other. Stdlib only.

Batch mode (default): one JSON request per stdin line -> one JSON response
per stdout line, same order (protocol: see handle() and tests/vectors/
generate.py). `--self-test` checks the spec's worked examples.

Three shapes, one per signer: untimed `id.sig`, timestamped `id.ts.sig`,
session `id.auth.ts.sig` (auth = when the user logged in, same grammar as ts).
And the CSRF token of a session (section "CSRF tokens"): 32 lowercase hex
digits, a MAC of `id.auth` under a key derived from the session signer's.
"""
import argparse, hashlib, hmac, json, sys

LABEL = b"sigcookie key "
CSRF_LABEL = b"sigcookie csrf key"  # derives K_csrf from the session signer's key K
CSRF_BYTES = 16                      # a token is the first 16 bytes of its MAC, in hex
U64_MAX = 2**64 - 1
JS_SAFE_MAX = 2**53 - 1  # larger integers travel as decimal strings in JSON
ID_MAX = 255
TS_MAX_DIGITS = 20  # len(str(U64_MAX)); the "21" in the length cap is "." + 20 digits
# Decimal fields between id and sig, per shape: the part count is 2 + this, and
# each field adds "." + TS_MAX_DIGITS to the length cap.
DECIMAL_FIELDS = {"untimed": 0, "timestamped": 1, "session": 2}


class Reject(Exception):
    """A verification failure; args[0] is the exact error variant name."""


def reject_if(cond, variant):
    # Lets each rule below read as one line of the spec.
    if cond:
        raise Reject(variant)


def is_idchar(b):
    # RFC 6265 cookie-octet minus "." (which is the field separator).
    return (b == 0x21 or 0x23 <= b <= 0x2B or b == 0x2D or 0x2F <= b <= 0x3A
            or 0x3C <= b <= 0x5B or 0x5D <= b <= 0x7E)


def check_params(secret, purpose, tag_bytes, previous=()):
    # Parameter errors are caller bugs, not verification outcomes.
    if any(len(k) < 32 for k in [secret, *previous]):
        raise ValueError("secret shorter than 32 bytes")
    if purpose is not None and (not isinstance(purpose, str) or purpose == ""):
        raise ValueError("purpose must be a non-empty string or null")
    if isinstance(tag_bytes, bool) or not isinstance(tag_bytes, int) or not 16 <= tag_bytes <= 32:
        raise ValueError("tag_bytes must be in 16..=32")


def derive_key(secret, purpose):
    # purpose None is the explicit "unbound" signer: the secret is used as-is.
    return secret if purpose is None else \
        hmac.new(secret, LABEL + purpose.encode("utf-8"), hashlib.sha256).digest()


def raw_sig(secret, purpose, tag_bytes, msg):
    """Signature over arbitrary bytes with no validation (lets the vector
    generator build correctly-MACed but otherwise malformed values)."""
    return hmac.new(derive_key(secret, purpose), msg, hashlib.sha256).digest()[:tag_bytes].hex()


def check_id(id_bytes):
    reject_if(not id_bytes, "EmptyId")
    reject_if(len(id_bytes) > ID_MAX, "IdTooLong")
    reject_if(not all(is_idchar(b) for b in id_bytes), "InvalidIdByte")


def sign(secret, purpose, tag_bytes, id_, ts=None, auth=None):
    """Untimed (ts None), timestamped (ts) or session (auth and ts) value.

    auth > ts is signed as asked, not refused: the verifier rejects it
    (AuthAfterIssue), and the vector generator needs such values."""
    check_params(secret, purpose, tag_bytes)
    if auth is not None and ts is None:
        raise ValueError("a session value needs ts as well as auth")
    msg = id_.encode("utf-8")
    check_id(msg)
    for t in (auth, ts):  # wire order: auth first
        if t is not None:
            reject_if(not 0 <= t <= U64_MAX, "TimestampOverflow")
            msg += b"." + str(t).encode("ascii")  # str(int) is already canonical
    return msg.decode("ascii") + "." + raw_sig(secret, purpose, tag_bytes, msg)


def parse_ts(s):
    """The ts grammar (also used for auth). Only ASCII 0-9 count as digits
    (str.isdigit would accept others)."""
    reject_if(s == "", "EmptyTimestamp")
    reject_if(any(c not in "0123456789" for c in s), "TimestampNotDigits")
    reject_if(len(s) > 1 and s[0] == "0", "TimestampLeadingZero")
    t = int(s)
    reject_if(t > U64_MAX, "TimestampOverflow")
    return t


def verify(secret, previous, purpose, tag_bytes, timestamped, value, now=0,
           max_age=0, leeway=0, not_before=None, session=False, lifetime=0):
    """Return (id, issued_at or None, auth or None) or raise Reject(variant).
    Rules 1-8 in order. session=True selects the session signer (it implies
    timestamped); lifetime is then the limit on now - auth."""
    check_params(secret, purpose, tag_bytes, previous)
    shape = "session" if session else "timestamped" if timestamped else "untimed"
    fields = DECIMAL_FIELDS[shape]
    raw = value.encode("utf-8")
    # (1) Cap measured in UTF-8 bytes (cookies are octets), before anything else.
    cap = ID_MAX + 1 + fields * (1 + TS_MAX_DIGITS) + 2 * tag_bytes
    reject_if(len(raw) > cap, "TooLong")
    reject_if(any(b > 0x7F for b in raw), "NonAscii")                        # (2)
    # (3) The dot count decides the shape; a signer accepts only its own.
    parts = value.split(".")
    reject_if(len(parts) != 2 + fields, "PartCount")
    id_s, sig = parts[0], parts[-1]
    # (4) Length first, then classify: anything outside [0-9a-fA-F] is NotHex,
    # otherwise any A-F makes it Uppercase.
    reject_if(len(sig) != 2 * tag_bytes, "SignatureLength")
    reject_if(any(c not in "0123456789abcdefABCDEF" for c in sig), "SignatureNotHex")
    reject_if(any(c in "ABCDEF" for c in sig), "SignatureUppercase")
    check_id(id_s.encode("ascii"))  # (5)
    # (6) Decimal fields left to right (auth before ts), first error wins.
    nums = [parse_ts(p) for p in parts[1:-1]]
    auth = nums[0] if session else None
    ts = nums[-1] if nums else None
    # (7) Message is everything before the last "."; current key first.
    msg = value[: value.rfind(".")].encode("ascii")
    reject_if(not any(hmac.compare_digest(raw_sig(k, purpose, tag_bytes, msg), sig)
                      for k in [secret, *previous]), "BadSignature")
    # (8) Exact integer arithmetic: age may be negative for future-dated values.
    if ts is not None:
        reject_if(now - ts > max_age, "Expired")
        reject_if(ts - now > leeway, "IssuedInFuture")
    if session:
        # The login time: never after issue, not too long ago (a login in the
        # future has age 0), and the not_before cut-off compares auth, not ts.
        reject_if(auth > ts, "AuthAfterIssue")
        reject_if(max(now - auth, 0) > lifetime, "LifetimeExceeded")
        reject_if(not_before is not None and auth < not_before, "LoggedInBeforeNotBefore")
    elif ts is not None:
        reject_if(not_before is not None and ts < not_before, "IssuedBeforeNotBefore")
    return id_s, ts, auth


def check_csrf_params(secret, purpose, previous=()):
    if any(len(k) < 32 for k in [secret, *previous]):
        raise ValueError("secret shorter than 32 bytes")
    if purpose is not None and (not isinstance(purpose, str) or purpose == ""):
        raise ValueError("purpose must be a non-empty string or null")


def csrf_token(secret, purpose, id_, auth):
    """The token of the session of id_ logged in at auth: the first 16 bytes
    of HMAC(K_csrf, id "." auth) in lowercase hex, K_csrf = HMAC(K, label),
    K the session signer's key (the secret itself when unbound)."""
    check_csrf_params(secret, purpose)
    k_csrf = hmac.new(derive_key(secret, purpose), CSRF_LABEL, hashlib.sha256).digest()
    msg = id_.encode("ascii") + b"." + str(auth).encode("ascii")
    return hmac.new(k_csrf, msg, hashlib.sha256).digest()[:CSRF_BYTES].hex()


def verify_csrf(secret, previous, purpose, id_, auth, token):
    """Check a form's token against the (already verified) session id_/auth.
    Raises Reject("CsrfMalformed") unless exactly 32 bytes of [0-9a-f], then
    Reject("CsrfMismatch") unless it matches under the current or a previous key."""
    check_csrf_params(secret, purpose, previous)
    raw = token.encode("utf-8")
    reject_if(len(raw) != 2 * CSRF_BYTES or any(b not in b"0123456789abcdef" for b in raw),
              "CsrfMalformed")
    reject_if(not any(hmac.compare_digest(csrf_token(k, purpose, id_, auth).encode("ascii"), raw)
                      for k in [secret, *previous]), "CsrfMismatch")


def _uint(v, name, nullable=False):
    # Accept JSON numbers or decimal strings (strings carry values > 2^53-1).
    if v is None and nullable:
        return None
    if isinstance(v, int) and not isinstance(v, bool) and v >= 0:
        return v
    if isinstance(v, str) and v.isascii() and v.isdigit():
        return int(v)
    raise ValueError(f"{name}: expected non-negative integer or decimal string")


_emit_uint = lambda n: n if n is None or n <= JS_SAFE_MAX else str(n)  # noqa: E731


def _session(req):
    # "session": true selects the session signer (default false). It implies
    # timestamped, so "timestamped" may be omitted but not be false.
    session = req.get("session")
    if session is None:
        return False
    if not isinstance(session, bool):
        raise ValueError("session: expected true or false")
    if session and req.get("timestamped", True) is not True:
        raise ValueError("session implies timestamped")
    return session


def handle(req):
    """sign -> {"value"} | {"error"};
    verify -> {"ok":true,"id","issued_at"} (+ "auth" for session values) | {"ok":false,"error"};
    csrf -> {"token"}; verify_csrf -> {"ok":true} | {"ok":false,"error"}.

    Session requests carry "session": true; sign then needs "auth" and "ts"
    (auth > ts is signed, the verifier refuses it), verify takes "lifetime"."""
    try:
        secret = bytes.fromhex(req["secret_hex"])
        if req["op"] == "sign":
            session = _session(req)
            auth = _uint(req.get("auth"), "auth", True)
            ts = _uint(req.get("ts"), "ts", True)
            if session and (auth is None or ts is None):
                raise ValueError("a session value needs auth and ts")
            if not session and auth is not None:
                raise ValueError("auth needs \"session\": true")
            return {"value": sign(secret, req.get("purpose"), req["tag_bytes"], req["id"], ts, auth)}
        if req["op"] == "verify":
            session = _session(req)
            id_, ts, auth = verify(
                secret, [bytes.fromhex(h) for h in req.get("previous_secret_hex", [])],
                req.get("purpose"), req["tag_bytes"], session or bool(req["timestamped"]),
                req["value"], _uint(req.get("now", 0), "now"),
                _uint(req.get("max_age", 0), "max_age"),
                _uint(req.get("leeway", 0), "leeway"),
                _uint(req.get("not_before"), "not_before", True),
                session, _uint(req.get("lifetime", 0), "lifetime"))
            resp = {"ok": True, "id": id_, "issued_at": _emit_uint(ts)}
            if session:  # other shapes keep the old response exactly
                resp["auth"] = _emit_uint(auth)
            return resp
        if req["op"] == "csrf":
            return {"token": csrf_token(secret, req.get("purpose"), req["id"],
                                        _uint(req["auth"], "auth"))}
        if req["op"] == "verify_csrf":
            verify_csrf(secret, [bytes.fromhex(h) for h in req.get("previous_secret_hex", [])],
                        req.get("purpose"), req["id"], _uint(req["auth"], "auth"), req["token"])
            return {"ok": True}
        raise ValueError(f"unknown op {req['op']!r}")
    except Reject as e:
        verifying = req.get("op") in ("verify", "verify_csrf")
        return {"ok": False, "error": e.args[0]} if verifying else {"error": e.args[0]}
    except (KeyError, ValueError, TypeError, AttributeError) as e:
        return {"error": f"BadRequest: {e}"}


WORKED_EXAMPLES = [  # (purpose, tag_bytes, auth, ts, value) with secret 0x00..=0x1f, id "12345"
    ("session", 32, None, None, "12345.27f988a4afa735417e65bd94c63b821e82972c4faf62f5e9065240c492ad62ba"),
    ("session", 16, None, 1764000000, "12345.1764000000.2df5b78a1191cc09a4c9c9243ba5287d"),
    (None, 32, None, None, "12345.36e295174c2947fbba5ff2d280b635a4b2eaa3106e07c7f1f3d2b72cba861447"),
    ("session", 32, 1764000000, 1764003600,
     "12345.1764000000.1764003600.5ac44e3ba810958131ea64f38fe75147b87cda201e8b17e4bfc05ca4da9921d1"),
]

# The token of the readme-session value's session (id "12345", auth 1764000000).
CSRF_WORKED_EXAMPLE = "85b53540e107925269167fe77d059098"


def self_test():
    secret = bytes(range(32))
    for purpose, tag, auth, ts, want in WORKED_EXAMPLES:
        got = sign(secret, purpose, tag, "12345", ts, auth)
        if got != want:
            sys.exit(f"self-test FAILED: {got} != {want}")
        back = verify(secret, [], purpose, tag, ts is not None, want, now=ts or 0,
                      session=auth is not None, lifetime=U64_MAX)
        if back != ("12345", ts, auth):
            sys.exit(f"self-test FAILED: {want} verified as {back}")
    token = csrf_token(secret, "session", "12345", 1764000000)
    if token != CSRF_WORKED_EXAMPLE:
        sys.exit(f"self-test FAILED: CSRF token {token} != {CSRF_WORKED_EXAMPLE}")
    verify_csrf(secret, [], "session", "12345", 1764000000, token)
    print("self-test ok")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--self-test", action="store_true", help="check the spec's worked examples")
    if ap.parse_args().self_test:
        return self_test()
    out = []
    for line in sys.stdin:
        if not line.strip():
            continue  # blank lines are ignored, not answered
        try:
            req = json.loads(line)
            resp = handle(req) if isinstance(req, dict) else {"error": "BadRequest: not an object"}
        except ValueError:  # still answer, so responses stay aligned
            resp = {"error": "BadRequest: invalid JSON"}
        out.append(json.dumps(resp, ensure_ascii=False))
    sys.stdout.write("".join(o + "\n" for o in out))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
