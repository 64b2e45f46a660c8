#!/usr/bin/env python3
"""Independent reference implementation of the sigcookie v1 wire format.

Written from the normative spec only (never from the Rust crate) so that the
two can be checked against each other. The HMAC part is stdlib only; the
Ed25519 part imports the `cryptography` package when an Ed25519 request comes.

Batch mode (default): one JSON request per stdin line -> one JSON response
per stdout line, same order (protocol: see handle(), handle_ed25519() and
tests/vectors/generate.py). `--self-test` checks the spec's worked examples.

Three shapes, one per signer: untimed `id.sig`, timestamped `id.ts.sig`,
session `id.auth.ts.sig` (auth = when the user logged in, same grammar as ts).
And the CSRF token of a session (section "CSRF tokens"): 32 lowercase hex
digits, a MAC of `id.auth` under a key derived from the session signer's.

Ed25519 values (section "Ed25519 values"): `id.kid.sig`, `id.ts.kid.sig`,
`id.auth.ts.kid.sig`, requests named "ed25519_*". Keys travel as hex: a
32-byte seed ("seed_hex"), or a public key as 64 lowercase hex digits
("public_key_hex") or an SPKI PEM block ("public_key_pem"). "shape" is
"untimed", "timestamped" or "session"; "purpose" (1 to 255 bytes) is required.
  {"op":"ed25519_key", "seed_hex"|"public_key_hex"|"public_key_pem"}
      -> {"public_key_hex","key_id","public_key_pem"}
  {"op":"ed25519_sign", "seed_hex","purpose","shape","id", "ts"?, "auth"?}
      -> {"value"}   (ts for timestamped and session, auth for session only)
  {"op":"ed25519_verify", "public_key_hex"|"public_key_pem",
   "previous_public_key_hex"?: [..], "previous_public_key_pem"?: [..] (3 at most),
   "purpose","shape","value", "now","max_age","leeway","lifetime","not_before"?,
   "logouts"?: [{"id","auth"}, ..]}
      -> {"ok":true,"id","issued_at","key_id"} (+ "auth" for session values)
         | {"ok":false,"error":<variant>}
  {"op":"ed25519_csrf", "seed_hex","purpose","id","auth"} -> {"token"}
  {"op":"ed25519_verify_csrf", "seed_hex","previous_seed_hex"?: [..],
   "purpose","id","auth","token"} -> {"ok":true} | {"ok":false,"error"}
A public key refused when loaded (not canonical, small order, bad PEM) answers
{"error":"BadPublicKey: <why>"}; other parameter errors {"error":"BadRequest: .."};
without `cryptography`, Ed25519 requests answer {"error":"Unavailable: .."}.
"""
import argparse, base64, hashlib, hmac, json, sys

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


# ---------------------------------------------------------------- Ed25519 values
# Section "Ed25519 values": value = id [. auth] [. ts] . kid . sig, kid = the first
# 4 bytes of SHA-256(A) in lowercase hex, sig = the 64-byte Ed25519 signature of
# M = PAE("sigcookie-ed25519-v1", purpose, shape, body), body = the value before
# its last ".". Signing and the group equation use the `cryptography` package,
# imported only when an Ed25519 request comes (the HMAC part stays stdlib-only);
# the strict rules it does not enforce are checked here in pure Python.
ED_LABEL = b"sigcookie-ed25519-v1"
ED_CSRF_LABEL = b"sigcookie ed25519 csrf key "  # || purpose, keyed with the seed
KID_HEX = 8           # 4 bytes of SHA-256(A)
ED_SIG_HEX = 128      # 64 bytes
ED_PREVIOUS_MAX = 3   # previous public keys a verifier may hold
PURPOSE_MAX = 255     # bytes of UTF-8
SHAPES = tuple(DECIMAL_FIELDS)  # "untimed", "timestamped", "session"
# DER of an Ed25519 SubjectPublicKeyInfo (OID 1.3.101.112), then the 32 key bytes.
SPKI_PREFIX = bytes.fromhex("302a300506032b6570032100")
PEM_BEGIN, PEM_END = "-----BEGIN PUBLIC KEY-----", "-----END PUBLIC KEY-----"

# Curve25519 in twisted Edwards form (RFC 8032, 5.1): -x^2 + y^2 = 1 + d x^2 y^2 mod p.
ED_P = 2**255 - 19
ED_L = 2**252 + 27742317777372353535851937790883648493   # the group order l
ED_D = -121665 * pow(121666, ED_P - 2, ED_P) % ED_P
ED_SQRT_M1 = pow(2, (ED_P - 1) // 4, ED_P)
ED_IDENTITY = (0, 1)


class BadPublicKey(Exception):
    """A public key refused when it is loaded; args[0] says why."""


class Unavailable(Exception):
    """The `cryptography` package is missing: Ed25519 requests cannot be served."""


def _ed25519():
    try:
        from cryptography.hazmat.primitives.asymmetric import ed25519
        from cryptography.exceptions import InvalidSignature
    except ImportError as e:
        raise Unavailable(f"Ed25519 needs the Python package cryptography ({e})") from None
    return ed25519, InvalidSignature


def pae(*pieces):
    """PASETO's pre-authentication encoding: LE64(n), then LE64(len) || piece for each."""
    out = len(pieces).to_bytes(8, "little")
    for p in pieces:
        out += len(p).to_bytes(8, "little") + p
    return out


def ed_message(purpose, shape, body):
    """M, the bytes an Ed25519 value's signature covers."""
    return pae(ED_LABEL, purpose.encode("utf-8"), shape.encode("ascii"), body)


def decode_point(b):
    """RFC 8032 5.1.3 decoding, strict: (x, y), or None when b is not the canonical
    encoding of a curve point (y >= p, x = 0 with the sign bit set, or no x)."""
    if len(b) != 32:
        return None
    y = int.from_bytes(b, "little")
    sign, y = y >> 255, y & ((1 << 255) - 1)
    if y >= ED_P:
        return None
    x2 = (y * y - 1) * pow(ED_D * y * y + 1, ED_P - 2, ED_P) % ED_P
    if x2 == 0:
        return None if sign else (0, y)
    x = pow(x2, (ED_P + 3) // 8, ED_P)
    if (x * x - x2) % ED_P:
        x = x * ED_SQRT_M1 % ED_P
    if (x * x - x2) % ED_P:
        return None
    return (ED_P - x if x & 1 != sign else x), y


def encode_point(pt):
    x, y = pt
    return (y | (x & 1) << 255).to_bytes(32, "little")


def point_add(p1, p2):
    """Affine twisted Edwards addition (complete on this curve: d is not a square)."""
    (x1, y1), (x2, y2) = p1, p2
    t = ED_D * x1 * x2 * y1 * y2 % ED_P
    x3 = (x1 * y2 + y1 * x2) * pow(1 + t, ED_P - 2, ED_P) % ED_P
    y3 = (y1 * y2 + x1 * x2) * pow(1 - t, ED_P - 2, ED_P) % ED_P
    return x3, y3


def is_small_order(pt):
    """[8]P is the identity: P is one of the 8 points of order 1, 2, 4 or 8."""
    for _ in range(3):
        pt = point_add(pt, pt)
    return pt == ED_IDENTITY


def key_id(public_key):
    return hashlib.sha256(public_key).digest()[:4].hex()


def check_public_key(a):
    """Refuse, when it is loaded, a key that is not the canonical encoding of a point or
    is a point of small order (OpenSSL, under `cryptography`, would accept some)."""
    if len(a) != 32:
        raise BadPublicKey("not 32 bytes")
    pt = decode_point(a)
    if pt is None:
        raise BadPublicKey("not the canonical encoding of a point")
    if is_small_order(pt):
        raise BadPublicKey("a point of small order")
    return a


def public_key_pem(a):
    return f"{PEM_BEGIN}\n{base64.b64encode(SPKI_PREFIX + a).decode('ascii')}\n{PEM_END}\n"


def parse_public_key(text):
    """64 lowercase hex digits, or an SPKI PEM block; checked as check_public_key does."""
    if not isinstance(text, str):
        raise BadPublicKey("not a string")
    if PEM_BEGIN in text:
        lines = text.strip().splitlines()
        if len(lines) < 3 or lines[0].strip() != PEM_BEGIN or lines[-1].strip() != PEM_END:
            raise BadPublicKey("not one PEM block")
        try:
            der = base64.b64decode("".join(l.strip() for l in lines[1:-1]), validate=True)
        except ValueError:
            raise BadPublicKey("PEM body is not base64") from None
        if len(der) != len(SPKI_PREFIX) + 32 or not der.startswith(SPKI_PREFIX):
            raise BadPublicKey("not an Ed25519 SubjectPublicKeyInfo")
        return check_public_key(der[len(SPKI_PREFIX):])
    if len(text) != 64 or any(c not in "0123456789abcdef" for c in text):
        raise BadPublicKey("not 64 lowercase hex digits")
    return check_public_key(bytes.fromhex(text))


def _seed(seed):
    if not isinstance(seed, bytes) or len(seed) != 32:
        raise ValueError("an Ed25519 seed is exactly 32 bytes")
    return seed


def ed_public_key(seed):
    ed25519, _ = _ed25519()
    pk = ed25519.Ed25519PrivateKey.from_private_bytes(_seed(seed)).public_key()
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
    return pk.public_bytes(Encoding.Raw, PublicFormat.Raw)


def raw_ed_sig(seed, msg):
    """The Ed25519 signature of arbitrary bytes, no checks (for the vector generator)."""
    ed25519, _ = _ed25519()
    return ed25519.Ed25519PrivateKey.from_private_bytes(_seed(seed)).sign(msg)


def check_purpose(purpose):
    if not isinstance(purpose, str) or not 1 <= len(purpose.encode("utf-8")) <= PURPOSE_MAX:
        raise ValueError("an Ed25519 purpose is 1 to 255 bytes of UTF-8")


def check_shape(shape):
    if shape not in SHAPES:
        raise ValueError(f"shape must be one of {', '.join(SHAPES)}")


def ed_body(seed, shape, id_, ts=None, auth=None):
    """id [. auth] [. ts] . kid, the part of a value its signature covers last."""
    check_shape(shape)
    if (ts is not None) != (shape != "untimed") or (auth is not None) != (shape == "session"):
        raise ValueError(f"shape {shape} takes " + {"untimed": "neither ts nor auth",
                         "timestamped": "ts and no auth", "session": "auth and ts"}[shape])
    body = id_.encode("utf-8")
    check_id(body)
    for t in (auth, ts):  # wire order: auth first
        if t is not None:
            reject_if(not 0 <= t <= U64_MAX, "TimestampOverflow")
            body += b"." + str(t).encode("ascii")
    return body + b"." + key_id(ed_public_key(seed)).encode("ascii")


def ed_sign(seed, purpose, shape, id_, ts=None, auth=None):
    """An Ed25519 value of the given shape; auth > ts is signed as asked (the verifier
    refuses it), like sign()."""
    check_purpose(purpose)
    body = ed_body(seed, shape, id_, ts, auth)
    return body.decode("ascii") + "." + raw_ed_sig(seed, ed_message(purpose, shape, body)).hex()


def ed_signature_ok(a, msg, sig):
    """RFC 8032 verification with the strict rules of the format text (those of
    ed25519-dalek's verify_strict). OpenSSL's verify, under `cryptography`, is cofactorless
    and compares encodings of R, but is not relied on for the rest: S < l, and R canonical
    and not of small order, are checked here first. A was checked when it was loaded."""
    r, s = sig[:32], int.from_bytes(sig[32:], "little")
    if s >= ED_L:                                  # strict: S + l is refused
        return False
    r_pt = decode_point(r)
    if r_pt is None or is_small_order(r_pt):       # strict: R canonical, not small order
        return False
    ed25519, invalid = _ed25519()
    try:
        ed25519.Ed25519PublicKey.from_public_bytes(a).verify(sig, msg)
    except invalid:
        return False
    return True


def check_times(shape, ts, auth, now, max_age, leeway, lifetime):
    """The time rules (step 4), exact integer arithmetic."""
    if ts is not None:
        reject_if(now - ts > max_age, "Expired")
        reject_if(ts - now > leeway, "IssuedInFuture")
    if shape == "session":
        reject_if(auth > ts, "AuthAfterIssue")
        reject_if(max(now - auth, 0) > lifetime, "LifetimeExceeded")


def ed_keys(public, previous):
    """{kid: key} of the verifier's keys: the current one and up to 3 previous ones,
    every key checked, their key ids distinct."""
    if len(previous) > ED_PREVIOUS_MAX:
        raise ValueError("at most 3 previous public keys")
    keys = {}
    for a in [public, *previous]:
        kid = key_id(check_public_key(a))
        if kid in keys:
            raise ValueError(f"two public keys with key id {kid}")
        keys[kid] = a
    return keys


def ed_verify(public, previous, purpose, shape, value, now=0, max_age=0, leeway=0,
              not_before=None, lifetime=0, logouts=()):
    """Return (id, ts or None, auth or None, kid) or raise Reject(variant): steps 1-6 of
    the Ed25519 order of checks. logouts: (id, auth) pairs of sessions logged out."""
    check_purpose(purpose)
    check_shape(shape)
    keys = ed_keys(public, previous)
    fields = DECIMAL_FIELDS[shape]
    raw = value.encode("utf-8")
    # (1) Length, in UTF-8 bytes, before anything else.
    cap = ID_MAX + 1 + fields * (1 + TS_MAX_DIGITS) + KID_HEX + 1 + ED_SIG_HEX
    reject_if(len(raw) > cap, "TooLong")
    # (2) Grammar: ASCII, parts, signature, key id, id, times (auth before ts).
    reject_if(any(b > 0x7F for b in raw), "NonAscii")
    parts = value.split(".")
    reject_if(len(parts) != 3 + fields, "PartCount")
    id_s, kid, sig = parts[0], parts[-2], parts[-1]
    reject_if(len(sig) != ED_SIG_HEX, "SignatureLength")
    reject_if(any(c not in "0123456789abcdefABCDEF" for c in sig), "SignatureNotHex")
    reject_if(any(c in "ABCDEF" for c in sig), "SignatureUppercase")
    reject_if(len(kid) != KID_HEX or any(c not in "0123456789abcdef" for c in kid),
              "KeyIdMalformed")
    check_id(id_s.encode("ascii"))
    nums = [parse_ts(p) for p in parts[1:-2]]
    auth = nums[0] if shape == "session" else None
    ts = nums[-1] if nums else None
    # (3) The key id picks the one key to try.
    reject_if(kid not in keys, "UnknownKeyId")
    # (4) Time, before any curve arithmetic.
    check_times(shape, ts, auth, now, max_age, leeway, lifetime)
    # (5) The signature, strict.
    body = value[: value.rfind(".")].encode("ascii")
    reject_if(not ed_signature_ok(keys[kid], ed_message(purpose, shape, body), bytes.fromhex(sig)),
              "BadSignature")
    # (6) Revocation: the cut-off, then the logouts (session values: their login time).
    if shape == "session":
        reject_if((id_s, auth) in set(logouts), "LoggedOut")
        reject_if(not_before is not None and auth < not_before, "LoggedInBeforeNotBefore")
    elif ts is not None:
        reject_if(not_before is not None and ts < not_before, "IssuedBeforeNotBefore")
    return id_s, ts, auth, kid


def ed_csrf_token(seed, purpose, id_, auth):
    """The CSRF token of an Ed25519 session: as csrf_token(), with
    K_csrf = HMAC-SHA256(seed, "sigcookie ed25519 csrf key " || purpose)."""
    check_purpose(purpose)
    k_csrf = hmac.new(_seed(seed), ED_CSRF_LABEL + purpose.encode("utf-8"), hashlib.sha256).digest()
    msg = id_.encode("ascii") + b"." + str(auth).encode("ascii")
    return hmac.new(k_csrf, msg, hashlib.sha256).digest()[:CSRF_BYTES].hex()


def ed_verify_csrf(seed, previous, purpose, id_, auth, token):
    """As verify_csrf(), under the current seed, then each previous one."""
    raw = token.encode("utf-8")
    reject_if(len(raw) != 2 * CSRF_BYTES or any(b not in b"0123456789abcdef" for b in raw),
              "CsrfMalformed")
    reject_if(not any(hmac.compare_digest(ed_csrf_token(k, purpose, id_, auth).encode("ascii"), raw)
                      for k in [seed, *previous]), "CsrfMismatch")


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
    if isinstance(req.get("op"), str) and req["op"].startswith("ed25519_"):
        return handle_ed25519(req)
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


def _seed_hex(h, name="seed_hex"):
    if not isinstance(h, str):
        raise ValueError(f"{name}: expected hex")
    return _seed(bytes.fromhex(h))


def _public_keys(req, single, many):
    """Keys from "<single>_hex" or "<single>_pem", and the lists "<many>_hex" and
    "<many>_pem" (either may be omitted)."""
    given = [k for k in (single + "_hex", single + "_pem") if k in req]
    if len(given) != 1:
        raise ValueError(f"give exactly one of {single}_hex and {single}_pem")
    lists = [req.get(many + "_hex", []), req.get(many + "_pem", [])]
    if not all(isinstance(l, list) for l in lists):
        raise ValueError(f"{many}_hex and {many}_pem are lists")
    return parse_public_key(req[given[0]]), [parse_public_key(t) for l in lists for t in l]


def _logouts(req):
    out = []
    for lo in req.get("logouts", []):
        if not isinstance(lo, dict) or not isinstance(lo.get("id"), str):
            raise ValueError("logouts: a list of {\"id\", \"auth\"} objects")
        out.append((lo["id"], _uint(lo.get("auth"), "logouts.auth")))
    return out


def handle_ed25519(req):
    """ed25519_key -> {"public_key_hex", "key_id", "public_key_pem"} | {"error"};
    ed25519_sign -> {"value"} | {"error"};
    ed25519_verify -> {"ok":true,"id","issued_at","key_id"} (+ "auth" for session values)
                      | {"ok":false,"error"};
    ed25519_csrf -> {"token"}; ed25519_verify_csrf -> {"ok":true} | {"ok":false,"error"}.
    A refused public key answers {"error": "BadPublicKey: <why>"}, a missing
    `cryptography` package {"error": "Unavailable: <why>"}."""
    op = req["op"]
    try:
        purpose = req.get("purpose")
        if op == "ed25519_key":
            if "seed_hex" in req:
                a = ed_public_key(_seed_hex(req["seed_hex"]))
            else:
                a, previous = _public_keys(req, "public_key", "previous_public_key")
                if previous:
                    raise ValueError("ed25519_key takes one key")
            return {"public_key_hex": a.hex(), "key_id": key_id(a), "public_key_pem": public_key_pem(a)}
        if op == "ed25519_sign":
            shape = req.get("shape")
            return {"value": ed_sign(_seed_hex(req.get("seed_hex")), purpose, shape, req["id"],
                                     _uint(req.get("ts"), "ts", True), _uint(req.get("auth"), "auth", True))}
        if op == "ed25519_verify":
            public, previous = _public_keys(req, "public_key", "previous_public_key")
            shape = req.get("shape")
            id_, ts, auth, kid = ed_verify(
                public, previous, purpose, shape, req["value"],
                _uint(req.get("now", 0), "now"), _uint(req.get("max_age", 0), "max_age"),
                _uint(req.get("leeway", 0), "leeway"),
                _uint(req.get("not_before"), "not_before", True),
                _uint(req.get("lifetime", 0), "lifetime"), _logouts(req))
            resp = {"ok": True, "id": id_, "issued_at": _emit_uint(ts)}
            if shape == "session":
                resp["auth"] = _emit_uint(auth)
            resp["key_id"] = kid
            return resp
        if op == "ed25519_csrf":
            return {"token": ed_csrf_token(_seed_hex(req.get("seed_hex")), purpose, req["id"],
                                           _uint(req["auth"], "auth"))}
        if op == "ed25519_verify_csrf":
            ed_verify_csrf(_seed_hex(req.get("seed_hex")),
                           [_seed_hex(h, "previous_seed_hex") for h in req.get("previous_seed_hex", [])],
                           purpose, req["id"], _uint(req["auth"], "auth"), req["token"])
            return {"ok": True}
        raise ValueError(f"unknown op {op!r}")
    except Reject as e:
        verifying = op in ("ed25519_verify", "ed25519_verify_csrf")
        return {"ok": False, "error": e.args[0]} if verifying else {"error": e.args[0]}
    except BadPublicKey as e:
        return {"error": f"BadPublicKey: {e}"}
    except Unavailable as e:
        return {"error": f"Unavailable: {e}"}
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


# Ed25519, seed 0x00..=0x1f, purpose "session", id "12345" (section "Ed25519 values").
ED25519_WORKED_KEY = ("03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8", "56475aa7")
ED25519_WORKED_EXAMPLES = [  # (shape, auth, ts, value)
    ("untimed", None, None,
     "12345.56475aa7.342ccb20cec21273c4cc1aff06f27700678124b0b3b42a6c2331ced8fad2d604"
     "c0f2c800bce64e521e874f69d098fe0ad38f4981653e293e5618840a59a21900"),
    ("timestamped", None, 1764000000,
     "12345.1764000000.56475aa7.793f85cfcc305f8ab9d13de68c9aea9597d6b868ec318c82a689271a2b42f278"
     "581fd91574a59935769f4adaf9f723163d0af5f76cd1aee99c8e4a1738f4210e"),
    ("session", 1764000000, 1764003600,
     "12345.1764000000.1764003600.56475aa7.05b7c225d81e2dacf52a5d7ed980eb598c436a7a22238f565045d3d0f940819a"
     "64a962468d547668c596dd594830c58739c78cd21ab8307b8dfd8050e5a3590a"),
]
# M of the untimed one: PAE("sigcookie-ed25519-v1", "session", "untimed", "12345.56475aa7").
ED25519_WORKED_MESSAGE = (
    "0400000000000000" "1400000000000000" + ED_LABEL.hex() + "0700000000000000" + b"session".hex()
    + "0700000000000000" + b"untimed".hex() + "0e00000000000000" + b"12345.56475aa7".hex())
# The 8 points of small order (canonical encodings), then the 6 non-canonical encodings of
# some of them (y + p, or x = 0 with the sign bit set): all refused, as keys and as R.
SMALL_ORDER_ENCODINGS = [
    "0100000000000000000000000000000000000000000000000000000000000000",  # identity
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  # order 2
    "0000000000000000000000000000000000000000000000000000000000000000",  # order 4
    "0000000000000000000000000000000000000000000000000000000000000080",  # order 4
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",  # order 8
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",  # order 8
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",  # order 8
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",  # order 8
    "0100000000000000000000000000000000000000000000000000000000000080",  # identity, x = 0 signed
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",  # order 2, x = 0 signed
    "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  # identity, y = 1 + p
    "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",  # the same, signed
    "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  # order 4, y = 0 + p
    "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",  # the same, signed
]

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
    try:
        ed25519_self_test()
    except Unavailable as e:  # the HMAC part above still counts
        print(f"self-test: Ed25519 part skipped: {e}", file=sys.stderr)
        print("self-test ok (HMAC only)")
        return
    print("self-test ok")


def ed25519_self_test():
    seed = bytes(range(32))
    a = ed_public_key(seed)
    if (a.hex(), key_id(a)) != ED25519_WORKED_KEY:
        sys.exit(f"self-test FAILED: Ed25519 key {a.hex()} {key_id(a)}")
    if parse_public_key(public_key_pem(a)) != a or parse_public_key(a.hex()) != a:
        sys.exit("self-test FAILED: public key round trip")
    for shape, auth, ts, want in ED25519_WORKED_EXAMPLES:
        got = ed_sign(seed, "session", shape, "12345", ts, auth)
        if got != want:
            sys.exit(f"self-test FAILED: {got} != {want}")
        back = ed_verify(a, [], "session", shape, want, now=ts or 0, lifetime=U64_MAX)
        if back != ("12345", ts, auth, ED25519_WORKED_KEY[1]):
            sys.exit(f"self-test FAILED: {want} verified as {back}")
    body = ED25519_WORKED_EXAMPLES[0][3].rsplit(".", 1)[0].encode("ascii")
    if ed_message("session", "untimed", body).hex() != ED25519_WORKED_MESSAGE:
        sys.exit("self-test FAILED: the PAE message of the untimed worked example")
    # Every small-order encoding, canonical or not, is refused as a key (and as R).
    for enc in SMALL_ORDER_ENCODINGS:
        try:
            check_public_key(bytes.fromhex(enc))
        except BadPublicKey:
            continue
        sys.exit(f"self-test FAILED: small-order key {enc} accepted")


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
