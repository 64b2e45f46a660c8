#!/usr/bin/env python3
"""Generate tests/vectors/ed25519.json: known-answer vectors for Ed25519 values.

Section "Ed25519 values" of docs/format.md: `id.kid.sig` (untimed), `id.ts.kid.sig`
(timestamped), `id.auth.ts.kid.sig` (session). Values are produced by the independent
Python reference (tests/interop/sigcookie_ref.py, Ed25519 through the `cryptography`
package). Before writing, every entry is checked three ways and must agree exactly:
in-process Python, the Python reference in batch mode, and the Node reference
(tests/interop/sigcookie_ref.mjs) in batch mode; without node, a warning says the
Node check was skipped. The signature of every entry is also checked by a
cofactorless RFC 8032 verifier written here in plain integers, independent of OpenSSL.
Deterministic: Ed25519 has no randomness; re-running gives a byte-identical file.

Every entry of "valid" and "invalid" holds: "name"; "seed_hex", the seed that signed a
valid value (null for invalid ones); the verifier's keys "public_key_hex" (current) and
"previous_public_key_hex" (at most 3); "purpose"; "shape" ("untimed", "timestamped" or
"session"); "id", "auth" and "ts" (null when the shape, or an invalid value, has no
meaningful one); "value"; the verifier's "now", "max_age", "leeway", "lifetime" and
"not_before"; "logouts", the sessions logged out (a list of {"id", "auth"}); and for
invalid ones the "error" it must produce. Integers above 2^53-1 are decimal strings.

"keys" lists the keys used, each with its seed, public key (hex and SPKI PEM) and key id.
"bad_public_keys" lists public keys that must be refused when loaded (small order, not
canonical, not a point, not an Ed25519 SPKI), each with "public_key_hex" or
"public_key_pem" and a "reason" (free text, not an error name: the format names none).
"""
import hashlib, json, os, shutil, subprocess, sys

sys.dont_write_bytecode = True  # keep __pycache__ out of tests/interop

HERE = os.path.dirname(os.path.abspath(__file__))
INTEROP = os.path.join(HERE, "..", "interop")
sys.path.insert(0, INTEROP)
import sigcookie_ref as ref  # noqa: E402

U64 = ref.U64_MAX
T = 1764000000          # default issued-at, and a session's login
TS = T + 3600           # a session value issued an hour after its login
LIFE = 86400            # session default lifetime

K0 = bytes(range(32))           # the worked example's seed
K1 = bytes(range(32, 64))
K2 = bytes(range(64, 96))
K3 = bytes(range(96, 128))
KX = bytes(range(128, 160))     # a key no verifier here holds
SEEDS = {"k0": K0, "k1": K1, "k2": K2, "k3": K3, "kx": KX}
PUB = {s: ref.ed_public_key(s) for s in SEEDS.values()}
KID = {s: ref.key_id(a) for s, a in PUB.items()}
assert len(set(KID.values())) == len(KID)

ID255 = ("abcdefghijklmnopqrstuvwxyz0123456789" * 8)[:255]
ID256 = ID255 + "x"
PUNCT = "!#$%&'()*+-/:<=>?@[]^_`{|}~"
ALL_IDCHARS = "".join(chr(b) for b in range(0x21, 0x7F) if ref.is_idchar(b))
P255 = "p" * 255                # the longest purpose
CAP = {"untimed": 393, "timestamped": 414, "session": 435}


def num(n):
    return n if n is None or n <= ref.JS_SAFE_MAX else str(n)


def entry(name, seed, public, previous, purpose, shape, id_, auth, ts, value, now, max_age,
          leeway, lifetime, not_before, logouts, error=None):
    e = {"name": name, "seed_hex": seed.hex() if seed else None,
         "public_key_hex": PUB[public].hex() if public in PUB else public.hex(),
         "previous_public_key_hex": [PUB[p].hex() for p in previous],
         "purpose": purpose, "shape": shape, "id": id_, "auth": num(auth), "ts": num(ts),
         "value": value, "now": num(now), "max_age": num(max_age), "leeway": num(leeway),
         "lifetime": num(lifetime), "not_before": num(not_before),
         "logouts": [{"id": i, "auth": num(a)} for i, a in logouts]}
    if error is not None:
        e["error"] = error
    return e


VALID, INVALID = [], []


def shape_of(ts, auth):
    return "session" if auth is not None else "timestamped" if ts is not None else "untimed"


def valid(name, id_="12345", ts=None, auth=None, seed=K0, public=None, previous=(),
          purpose="session", now=None, max_age=3600, leeway=60, lifetime=LIFE, not_before=None,
          logouts=()):
    """A value signed by seed; the verifier holds public (default: seed's key) and previous."""
    shape = shape_of(ts, auth)
    value = ref.ed_sign(seed, purpose, shape, id_, ts, auth)
    if shape == "untimed":  # time fields are ignored by untimed verifiers; pin them to 0
        now, max_age, leeway, not_before = 0, 0, 0, None
    if shape != "session":
        lifetime = 0
    VALID.append(entry(name, seed, public or seed, previous, purpose, shape, id_, auth, ts, value,
                       ts if now is None else now, max_age, leeway, lifetime, not_before, logouts))
    return value


def bad(name, error, value, shape, public=K0, previous=(), purpose="session", id_=None,
        auth=None, ts=None, now=T, max_age=3600, leeway=60, lifetime=LIFE, not_before=None,
        logouts=()):
    if shape == "untimed":
        now, max_age, leeway, not_before = 0, 0, 0, None
    if shape != "session":
        lifetime, auth, logouts = 0, None, ()
    INVALID.append(entry(name, None, public, previous, purpose, shape, id_, auth, ts, value, now,
                         max_age, leeway, lifetime, not_before, logouts, error))


def signed(body, shape, seed=K0, purpose="session"):
    """body + "." + a correct signature of body for shape and purpose, even if body is
    malformed (the kid is whatever body holds)."""
    return body + "." + ref.raw_ed_sig(seed, ref.ed_message(purpose, shape, body.encode("utf-8"))).hex()


def kid(seed=K0):
    return KID[seed]


def sig_of(value):
    return value.rsplit(".", 1)[1]


def body_of(value):
    return value.rsplit(".", 1)[0]


# ---------------------------------------------------------------- valid
W_UNTIMED = valid("worked-example-untimed")
W_TIMED = valid("worked-example-timestamped", ts=T)
W_SESSION = valid("worked-example-session", auth=T, ts=TS)
valid("purpose-csrf", purpose="csrf")
valid("purpose-cookie-name", purpose="__Host-panel", ts=T)
valid("purpose-utf8-nfc", purpose="sessi\u00f3n")       # "sessión", precomposed
valid("purpose-utf8-nfd", purpose="sessio\u0301n")      # same text, decomposed: no normalisation
valid("purpose-astral", purpose="\U0001F36A")
valid("purpose-with-dot-and-space", purpose="app.v2 session")
valid("purpose-255-bytes", purpose=P255, auth=T, ts=TS)
valid("key-1", seed=K1)
valid("key-2-session", seed=K2, auth=T, ts=TS)
valid("rotation-current-key-with-previous", seed=K0, previous=[K1])
valid("rotation-previous-1", seed=K0, public=K1, previous=[K0])
valid("rotation-previous-3-of-3", seed=K0, public=K3, previous=[K2, K1, K0])
valid("rotation-previous-2-of-3-timestamped", seed=K1, public=K3, previous=[K2, K1, K0], ts=T)
valid("rotation-previous-1-session", seed=K0, public=K1, previous=[K0], auth=T, ts=TS)
valid("id-len-1", id_="a")
valid("id-len-1-session", id_="a", auth=T, ts=TS)
valid("id-len-255-untimed-at-length-cap", id_=ID255)                           # 393
valid("id-len-255-timestamped-u64max-at-length-cap", id_=ID255, ts=U64)          # 414
valid("id-len-255-session-u64max-at-length-cap", id_=ID255, auth=U64, ts=U64)    # 435
valid("id-punctuation", id_=PUNCT)
valid("id-all-idchars", id_=ALL_IDCHARS, ts=T)
valid("id-all-idchars-session", id_=ALL_IDCHARS, auth=T, ts=TS)
valid("id-base64-padded", id_="dXNlcjoxMjM0NQ==")
valid("id-looks-like-a-kid", id_=kid(K1))
valid("id-uuid", id_="123e4567-e89b-12d3-a456-426614174000", ts=T)
valid("ts-0", ts=0)
valid("ts-2pow53", ts=2**53)                                   # first value sent as a string
valid("ts-u64max", ts=U64)
valid("age-equals-max-age", ts=T, now=T + 3600)
valid("max-age-0-same-second", ts=T, max_age=0)
valid("future-equals-leeway", ts=T, now=T - 60)
valid("leeway-0-same-second", ts=T, leeway=0)
valid("not-before-equals-ts", ts=T, not_before=T)
valid("ts-0-now-u64max-max-age-u64max", ts=0, now=U64, max_age=U64)
valid("ts-u64max-now-0-leeway-u64max", ts=U64, now=0, leeway=U64)
valid("session-auth-equals-ts", auth=T, ts=T)
valid("session-auth-0", auth=0, ts=T, lifetime=U64)
valid("session-auth-2pow53", auth=2**53, ts=2**53 + 1)
valid("session-auth-u64max-ts-u64max", auth=U64, ts=U64)
valid("session-age-equals-max-age", auth=T, ts=TS, now=TS + 3600)
valid("session-future-equals-leeway", auth=T, ts=TS, now=TS - 60)
valid("session-lifetime-equals-now-minus-auth", auth=T, ts=T + LIFE, now=T + LIFE)
valid("session-lifetime-0-auth-equals-now", auth=T, ts=T, now=T, lifetime=0)
valid("session-auth-in-future-counts-as-age-0", auth=T, ts=T, now=T - 30, lifetime=0)
valid("session-not-before-equals-auth-ts-after", auth=T, ts=TS, not_before=T)   # compares auth
valid("session-logouts-of-other-logins", auth=T, ts=TS,
      logouts=[("12345", T - 1), ("12345", T + 1), ("12346", T), ("12345", TS)])

# ---------------------------------------------------------------- invalid
V, VT, VS = W_UNTIMED, W_TIMED, W_SESSION
SIG, SIG_T, SIG_S = sig_of(V), sig_of(VT), sig_of(VS)
K0ID = kid(K0)


def flip(s):
    """The last hex digit changed: one bit of the signature's S."""
    return s[:-1] + ("0" if s[-1] != "0" else "1")


# (1) TooLong, before anything else
bad("too-long-id-256-untimed-correct-sig", "TooLong", signed(f"{ID256}.{K0ID}", "untimed"), "untimed")
bad("too-long-id-256-timestamped-u64max", "TooLong", signed(f"{ID256}.{U64}.{K0ID}", "timestamped"),
    "timestamped")
bad("too-long-id-256-session-u64max", "TooLong", signed(f"{ID256}.{U64}.{U64}.{K0ID}", "session"),
    "session")
bad("too-long-garbage", "TooLong", "x" * 394, "untimed")
bad("too-long-counts-utf8-bytes-not-chars", "TooLong", "\u00e9" * 197, "untimed")  # 394 bytes
bad("session-value-at-cap-to-timestamped-verifier", "TooLong",
    VALID[[e["name"] for e in VALID].index("id-len-255-session-u64max-at-length-cap")]["value"],
    "timestamped")
# (2) NonAscii
bad("non-ascii-in-id", "NonAscii", signed(f"1234\u00e9.{K0ID}", "untimed"), "untimed")
bad("non-ascii-only", "NonAscii", "\u00e9", "untimed")
bad("non-ascii-in-sig", "NonAscii", V[:-1] + "\u00e9", "untimed")
bad("non-ascii-digits-in-ts", "NonAscii", signed(f"12345.\uff11\uff17.{K0ID}", "timestamped"), "timestamped")
# (3) PartCount: the dot count decides the shape, each verifier accepts only its own
bad("timestamped-value-to-untimed-verifier", "PartCount", VT, "untimed")
bad("untimed-value-to-timestamped-verifier", "PartCount", V, "timestamped")
bad("session-value-to-timestamped-verifier", "PartCount", VS, "timestamped")
bad("timestamped-value-to-session-verifier", "PartCount", VT, "session")
bad("value-without-kid", "PartCount", f"12345.{SIG}", "untimed")
bad("dot-in-id", "PartCount", signed(f"a.b.{K0ID}", "untimed"), "untimed")
bad("trailing-dot", "PartCount", V + ".", "untimed")
bad("one-part", "PartCount", "12345", "untimed")
bad("empty-value", "PartCount", "", "session")
# HMAC values: an Ed25519 verifier refuses them by their part count or their signature's length.
H = ref.sign(K0, "session", 32, "12345")
HT = ref.sign(K0, "session", 32, "12345", T)
HS = ref.sign(K0, "session", 32, "12345", TS, T)
bad("hmac-untimed-value", "PartCount", H, "untimed")
bad("hmac-session-value-to-session-verifier", "PartCount", HS, "session")
bad("hmac-timestamped-value-to-untimed-verifier", "SignatureLength", HT, "untimed")
bad("hmac-session-value-to-timestamped-verifier", "SignatureLength", HS, "timestamped")
bad("hmac-tag-16-timestamped-value-to-untimed-verifier", "SignatureLength",
    ref.sign(K0, "session", 16, "12345", T), "untimed")
# (4) the signature's shape: length, then hex, then case
bad("sig-127-digits", "SignatureLength", V[:-1], "untimed")
bad("sig-129-digits", "SignatureLength", V + "0", "untimed")
bad("sig-empty", "SignatureLength", f"12345.{K0ID}.", "untimed")
bad("sig-64-digits", "SignatureLength", f"12345.{K0ID}.{SIG[:64]}", "untimed")
bad("sig-short-and-non-hex", "SignatureLength", f"12345.{K0ID}.xyz", "untimed")
bad("sig-uppercase", "SignatureUppercase", f"12345.{K0ID}.{SIG.upper()}", "untimed")
bad("sig-one-uppercase-digit", "SignatureUppercase", f"12345.{K0ID}.F{SIG[1:]}", "untimed")
bad("sig-session-uppercase", "SignatureUppercase", body_of(VS) + "." + SIG_S.upper(), "session")
bad("sig-non-hex", "SignatureNotHex", V[:-1] + "g", "untimed")
bad("sig-uppercase-and-non-hex", "SignatureNotHex", f"12345.{K0ID}.G{SIG.upper()[1:]}", "untimed")
bad("sig-error-beats-kid-error", "SignatureUppercase", f"12345.XYZ.{SIG.upper()}", "untimed")
# (5) the key id: exactly 8 lowercase hex digits
bad("kid-uppercase", "KeyIdMalformed", signed(f"12345.{K0ID.upper()}", "untimed"), "untimed")
bad("kid-one-uppercase-digit", "KeyIdMalformed", signed(f"12345.{K0ID[:-1]}A", "untimed"), "untimed")
bad("kid-7-digits", "KeyIdMalformed", signed(f"12345.{K0ID[:7]}", "untimed"), "untimed")
bad("kid-9-digits", "KeyIdMalformed", signed(f"12345.{K0ID}0", "untimed"), "untimed")
bad("kid-empty", "KeyIdMalformed", signed("12345.", "untimed"), "untimed")
bad("kid-non-hex", "KeyIdMalformed", signed(f"12345.{K0ID[:7]}g", "untimed"), "untimed")
bad("kid-16-digits", "KeyIdMalformed", signed(f"12345.{K0ID * 2}", "untimed"), "untimed")
bad("kid-session-uppercase", "KeyIdMalformed", signed(f"12345.{T}.{TS}.{K0ID.upper()}", "session"),
    "session")
bad("kid-error-beats-id-error", "KeyIdMalformed", f"1 2.{K0ID.upper()}.{SIG}", "untimed")
# (6) the id
bad("empty-id-correct-sig", "EmptyId", signed(f".{K0ID}", "untimed"), "untimed")
bad("id-256-timestamped-correct-sig", "IdTooLong", signed(f"{ID256}.0.{K0ID}", "timestamped"),
    "timestamped")                                                               # 396 <= 414
for nm, ch in [("space", " "), ("comma", ","), ("semicolon", ";"), ("dquote", '"'),
               ("backslash", "\\"), ("del", "\x7f"), ("nul", "\x00")]:
    bad(f"id-byte-{nm}-correct-sig", "InvalidIdByte", signed(f"12{ch}345.{K0ID}", "untimed"), "untimed")
bad("id-error-beats-ts-error", "InvalidIdByte", signed(f"1 2.+5.{K0ID}", "timestamped"), "timestamped")
bad("id-error-beats-unknown-kid", "InvalidIdByte", signed(f"1 2.{kid(KX)}", "untimed", KX), "untimed")
# (7) the times, left to right (auth before ts), each with a correct signature
for nm, t, err in [("empty", "", "EmptyTimestamp"), ("plus", f"+{T}", "TimestampNotDigits"),
                   ("minus", "-1", "TimestampNotDigits"), ("space", f" {T}", "TimestampNotDigits"),
                   ("exponent", "1e9", "TimestampNotDigits"),
                   ("leading-zero", f"0{T}", "TimestampLeadingZero"), ("00", "00", "TimestampLeadingZero"),
                   ("u64max-plus-1", str(U64 + 1), "TimestampOverflow"),
                   ("21-digits", "1" + "0" * 20, "TimestampOverflow")]:
    bad(f"ts-{nm}-correct-sig", err, signed(f"12345.{t}.{K0ID}", "timestamped"), "timestamped")
    bad(f"session-auth-{nm}-correct-sig", err, signed(f"12345.{t}.{TS}.{K0ID}", "session"), "session")
    bad(f"session-ts-{nm}-correct-sig", err, signed(f"12345.{T}.{t}.{K0ID}", "session"), "session")
bad("session-auth-error-beats-ts-error", "EmptyTimestamp", signed(f"12345..0{TS}.{K0ID}", "session"),
    "session")
bad("ts-error-beats-unknown-kid", "TimestampLeadingZero", f"12345.0{T}.{kid(KX)}.{SIG_T}", "timestamped")
# (8) the key id names a key the verifier holds
bad("unknown-kid-key-not-held", "UnknownKeyId", ref.ed_sign(KX, "session", "untimed", "12345"),
    "untimed", id_="12345")
bad("unknown-kid-all-zero", "UnknownKeyId", f"12345.00000000.{SIG}", "untimed", id_="12345")
bad("unknown-kid-rotation-key-dropped", "UnknownKeyId", V, "untimed", public=K3, previous=[K2, K1],
    id_="12345")
bad("unknown-kid-session", "UnknownKeyId", ref.ed_sign(KX, "session", "session", "12345", TS, T),
    "session", id_="12345", auth=T, ts=TS, now=TS)
bad("unknown-kid-beats-expired", "UnknownKeyId", ref.ed_sign(KX, "session", "timestamped", "12345", T),
    "timestamped", id_="12345", ts=T, now=T + 10**6)
bad("unknown-kid-beats-bad-signature", "UnknownKeyId", f"12345.{kid(KX)}.{SIG}", "untimed", id_="12345")
# (9) time, before the signature
bad("expired-by-1s", "Expired", VT, "timestamped", id_="12345", ts=T, now=T + 3601)
bad("expired-max-age-0", "Expired", VT, "timestamped", id_="12345", ts=T, now=T + 1, max_age=0)
bad("future-by-1s", "IssuedInFuture", VT, "timestamped", id_="12345", ts=T, now=T - 61)
bad("future-leeway-0", "IssuedInFuture", VT, "timestamped", id_="12345", ts=T, now=T - 1, leeway=0)
bad("future-ts-u64max-now-0", "IssuedInFuture", ref.ed_sign(K0, "session", "timestamped", "12345", U64),
    "timestamped", id_="12345", ts=U64, now=0)
bad("session-expired-by-1s", "Expired", VS, "session", id_="12345", auth=T, ts=TS, now=TS + 3601)
bad("session-future-by-1s", "IssuedInFuture", VS, "session", id_="12345", auth=T, ts=TS, now=TS - 61)
bad("session-auth-after-issue-by-1s", "AuthAfterIssue",
    ref.ed_sign(K0, "session", "session", "12345", T, T + 1), "session", id_="12345", auth=T + 1, ts=T)
bad("session-lifetime-exceeded-by-1s", "LifetimeExceeded",
    ref.ed_sign(K0, "session", "session", "12345", T + LIFE, T), "session", id_="12345", auth=T,
    ts=T + LIFE, now=T + LIFE + 1)
bad("session-lifetime-0-by-1s", "LifetimeExceeded", ref.ed_sign(K0, "session", "session", "12345", T, T),
    "session", id_="12345", auth=T, ts=T, now=T + 1, lifetime=0)
bad("session-expired-beats-auth-after-issue", "Expired",
    ref.ed_sign(K0, "session", "session", "12345", T, T + 1), "session", id_="12345", auth=T + 1,
    ts=T, now=T + 3601)
bad("session-auth-after-issue-beats-lifetime", "AuthAfterIssue",
    ref.ed_sign(K0, "session", "session", "12345", T, T + 1), "session", id_="12345", auth=T + 1,
    ts=T, now=T + 2, lifetime=0)
# Unlike HMAC values, the time comes before the signature: junk costs no curve arithmetic.
bad("expired-beats-bad-signature", "Expired", f"12345.{T}.{K0ID}.{flip(SIG_T)}", "timestamped",
    id_="12345", ts=T, now=T + 3601)
bad("future-beats-bad-signature", "IssuedInFuture", f"12345.{T}.{K0ID}.{'0' * 128}", "timestamped",
    id_="12345", ts=T, now=T - 61)
bad("session-lifetime-beats-bad-signature", "LifetimeExceeded", body_of(VS) + "." + flip(SIG_S),
    "session", id_="12345", auth=T, ts=TS, now=TS, lifetime=3599)
# (10) the signature


def sbad(name, value, shape="untimed", **kw):
    """BadSignature, with the times of a well-formed value that passes the time checks."""
    kw.setdefault("id_", "12345")
    if shape == "timestamped":
        kw.setdefault("ts", T)
        kw.setdefault("now", kw["ts"])
    elif shape == "session":
        kw.setdefault("auth", T)
        kw.setdefault("ts", TS)
        kw.setdefault("now", kw["ts"])
    bad(name, "BadSignature", value, shape, **kw)


def with_sig(value, sig):
    return body_of(value) + "." + sig.hex()


def a_scalar(seed):
    """RFC 8032 5.1.5: the secret scalar of a seed, clamped."""
    h = bytearray(hashlib.sha512(seed).digest()[:32])
    h[0] &= 248
    h[31] &= 127
    h[31] |= 64
    return int.from_bytes(h, "little")


def forged_small_r(value, shape, r_enc, seed=K0, purpose="session"):
    """The value with R = r_enc (a small-order encoding) and S = k * a mod l, k =
    SHA-512(R || A || M): then [S]B = [k]A = R + [k]A when R decodes to the identity, so a
    verifier without the strict rules accepts it (a lax decoder reduces y mod p)."""
    m = ref.ed_message(purpose, shape, body_of(value).encode("ascii"))
    k = int.from_bytes(hashlib.sha512(r_enc + PUB[seed] + m).digest(), "little") % ref.ED_L
    return with_sig(value, r_enc + (k * a_scalar(seed) % ref.ED_L).to_bytes(32, "little"))


IDENTITY = bytes.fromhex(ref.SMALL_ORDER_ENCODINGS[0])
IDENTITY_Y_PLUS_P = bytes.fromhex(ref.SMALL_ORDER_ENCODINGS[10])   # y = 1 + p: not canonical
ORDER_8 = bytes.fromhex(ref.SMALL_ORDER_ENCODINGS[4])
Y3_PLUS_P = (3 + ref.ED_P).to_bytes(32, "little")                   # a point, not canonical, not small order
assert ref.decode_point((3).to_bytes(32, "little")) is not None and ref.decode_point(Y3_PLUS_P) is None
SIGB = bytes.fromhex(SIG)
S_INT = int.from_bytes(SIGB[32:], "little")

sbad("sig-last-digit-flipped", flip(V))
sbad("sig-first-bit-of-r-flipped", f"12345.{K0ID}.{SIG[0]}{'%x' % (int(SIG[1], 16) ^ 1)}{SIG[2:]}")
sbad("sig-all-zero", f"12345.{K0ID}.{'0' * 128}")
sbad("id-bit-flipped", f"12344.{K0ID}.{SIG}", id_="12344")
sbad("ts-bit-flipped", f"12345.{T ^ 1}.{K0ID}.{SIG_T}", "timestamped", ts=T ^ 1)
sbad("session-auth-bit-flipped", f"12345.{T ^ 1}.{TS}.{K0ID}.{SIG_S}", "session", auth=T ^ 1)
sbad("session-ts-bit-flipped", f"12345.{T}.{TS ^ 1}.{K0ID}.{SIG_S}", "session", ts=TS ^ 1)
# auth > ts: the time rules refuse it before the signature is looked at.
bad("session-auth-ts-swapped", "AuthAfterIssue", f"12345.{TS}.{T}.{K0ID}.{SIG_S}", "session",
    id_="12345", auth=TS, ts=T, now=T)
sbad("wrong-purpose", V, purpose="csrf")
sbad("purpose-nfc-vs-nfd", ref.ed_sign(K0, "sessi\u00f3n", "untimed", "12345"), purpose="sessio\u0301n")
sbad("purpose-prefix", ref.ed_sign(K0, "session", "untimed", "12345"), purpose="sessio")
sbad("session-wrong-purpose", VS, "session", purpose="csrf")
# A signature cannot move between shapes: M names the shape.
sbad("timestamped-sig-moved-into-session-value", f"12345.{T}.{TS}.{K0ID}.{SIG_T}", "session")
sbad("session-sig-moved-into-timestamped-value", f"12345.{TS}.{K0ID}.{SIG_S}", "timestamped", ts=TS)
sbad("untimed-sig-moved-into-timestamped-value", f"12345.{T}.{K0ID}.{SIG}", "timestamped")
sbad("session-body-signed-as-timestamped", signed(body_of(VS), "timestamped"), "session")
sbad("timestamped-body-signed-as-untimed", signed(body_of(VT), "untimed"), "timestamped")
sbad("untimed-body-signed-as-session", signed(body_of(V), "session"), "untimed")
# The message is exactly the PAE: not the body alone, nor anything else.
sbad("signed-body-without-pae", with_sig(V, ref.raw_ed_sig(K0, body_of(V).encode("ascii"))))
sbad("session-signed-body-without-pae", with_sig(VS, ref.raw_ed_sig(K0, body_of(VS).encode("ascii"))),
     "session")
sbad("signed-pae-without-label", with_sig(V, ref.raw_ed_sig(
    K0, ref.pae(b"session", b"untimed", body_of(V).encode("ascii")))))
sbad("signed-pae-other-version", with_sig(V, ref.raw_ed_sig(
    K0, ref.pae(b"sigcookie-ed25519-v2", b"session", b"untimed", body_of(V).encode("ascii")))))
sbad("signed-body-without-kid",
     with_sig(V, ref.raw_ed_sig(K0, ref.ed_message("session", "untimed", b"12345"))))
# The key id is signed, and names the key: another key's signature under it is refused.
sbad("forged-kid-signed-by-other-key",
     f"12345.{K0ID}.{sig_of(ref.ed_sign(KX, 'session', 'untimed', '12345'))}")
sbad("forged-kid-signed-by-other-key-correct-body",
     with_sig(V, ref.raw_ed_sig(KX, ref.ed_message("session", "untimed", body_of(V).encode("ascii")))))
sbad("kid-swapped-to-previous-key", f"12345.{kid(K1)}.{SIG}", previous=[K1])
sbad("kid-swapped-to-current-key", f"12345.{K0ID}.{sig_of(ref.ed_sign(K1, 'session', 'untimed', '12345'))}",
     previous=[K1])
# The strict rules (S < l, R canonical and not of small order).
sbad("malleated-s-plus-l", with_sig(V, SIGB[:32] + (S_INT + ref.ED_L).to_bytes(32, "little")))
sbad("session-malleated-s-plus-l", with_sig(VS, bytes.fromhex(SIG_S)[:32] + (
    int.from_bytes(bytes.fromhex(SIG_S)[32:], "little") + ref.ED_L).to_bytes(32, "little")), "session")
sbad("s-is-l", with_sig(V, SIGB[:32] + ref.ED_L.to_bytes(32, "little")))
sbad("s-all-ff", with_sig(V, SIGB[:32] + b"\xff" * 32))
sbad("r-replaced-by-order-8-point", with_sig(V, ORDER_8 + SIGB[32:]))
sbad("r-replaced-by-identity", with_sig(V, IDENTITY + SIGB[32:]))
sbad("r-identity-s-ka-cofactorless-equation-holds", forged_small_r(V, "untimed", IDENTITY))
sbad("session-r-identity-s-ka-cofactorless-equation-holds", forged_small_r(VS, "session", IDENTITY),
     "session")
sbad("r-non-canonical-identity-s-ka", forged_small_r(V, "untimed", IDENTITY_Y_PLUS_P))
sbad("r-non-canonical-y-plus-p", with_sig(V, Y3_PLUS_P + SIGB[32:]))
sbad("r-non-canonical-sign-bit-on-x-0", with_sig(V, bytes.fromhex(ref.SMALL_ORDER_ENCODINGS[8]) + SIGB[32:]))
sbad("r-not-a-point", with_sig(V, (2).to_bytes(32, "little") + SIGB[32:]))
sbad("bad-signature-beats-not-before", f"12345.{T}.{K0ID}.{flip(SIG_T)}", "timestamped", not_before=T + 1)
sbad("session-bad-signature-beats-logged-out", body_of(VS) + "." + flip(SIG_S), "session",
     logouts=[("12345", T)])
# (11) revocation
bad("before-not-before-by-1s", "IssuedBeforeNotBefore", VT, "timestamped", id_="12345", ts=T,
    not_before=T + 1)
bad("session-logged-in-before-not-before-by-1s", "LoggedInBeforeNotBefore", VS, "session",
    id_="12345", auth=T, ts=TS, now=TS, not_before=T + 1)
bad("session-logged-in-before-not-before-equals-ts", "LoggedInBeforeNotBefore", VS, "session",
    id_="12345", auth=T, ts=TS, now=TS, not_before=TS)                  # judged by auth, not ts
bad("session-logged-out", "LoggedOut", VS, "session", id_="12345", auth=T, ts=TS, now=TS,
    logouts=[("12346", T), ("12345", T)])
bad("session-logged-out-renewed-value", "LoggedOut",
    ref.ed_sign(K0, "session", "session", "12345", TS + 7200, T), "session", id_="12345", auth=T,
    ts=TS + 7200, now=TS + 7200, logouts=[("12345", T)])                # whatever its ts
bad("session-logged-out-beats-not-before", "LoggedOut", VS, "session", id_="12345",
    auth=T, ts=TS, now=TS, not_before=T + 1, logouts=[("12345", T)])
bad("expired-beats-not-before", "Expired", VT, "timestamped", id_="12345", ts=T, now=T + 3601,
    not_before=T + 1)
bad("session-lifetime-beats-not-before", "LifetimeExceeded", VS, "session", id_="12345", auth=T,
    ts=TS, now=TS, lifetime=3599, not_before=T + 1)


# ---------------------------------------------------------------- keys
KEYS = [{"name": n, "seed_hex": s.hex(), "public_key_hex": PUB[s].hex(), "key_id": KID[s],
         "public_key_pem": ref.public_key_pem(PUB[s])} for n, s in SEEDS.items()]
BAD_KEYS = []


def bad_key(name, reason, hex_=None, pem=None):
    BAD_KEYS.append({"name": name, **({"public_key_hex": hex_} if hex_ is not None else {}),
                     **({"public_key_pem": pem} if pem is not None else {}), "reason": reason})


NAMES = ["identity", "order-2", "order-4", "order-4-b", "order-8", "order-8-b", "order-8-c", "order-8-d",
         "identity-x-0-sign-bit", "order-2-x-0-sign-bit", "identity-y-plus-p", "identity-y-plus-p-sign-bit",
         "order-4-y-plus-p", "order-4-y-plus-p-sign-bit"]
for nm, enc in zip(NAMES, ref.SMALL_ORDER_ENCODINGS):
    canonical = ref.decode_point(bytes.fromhex(enc)) is not None
    bad_key(f"small-order-{nm}", "a point of small order" if canonical
            else "not the canonical encoding of a point", hex_=enc)
bad_key("non-canonical-y-plus-p", "not the canonical encoding of a point", hex_=Y3_PLUS_P.hex())
bad_key("not-a-point", "not the canonical encoding of a point", hex_=(2).to_bytes(32, "little").hex())
bad_key("uppercase-hex", "not 64 lowercase hex digits", hex_=PUB[K0].hex().upper())
bad_key("63-hex-digits", "not 64 lowercase hex digits", hex_=PUB[K0].hex()[:63])
bad_key("66-hex-digits", "not 64 lowercase hex digits", hex_=PUB[K0].hex() + "00")
bad_key("pem-small-order", "a point of small order", pem=ref.public_key_pem(ORDER_8))
bad_key("pem-x25519", "not an Ed25519 SubjectPublicKeyInfo",
        pem=ref.public_key_pem(PUB[K0]).replace("MCowBQYDK2VwAyEA", "MCowBQYDK2VuAyEA"))
bad_key("pem-truncated", "not an Ed25519 SubjectPublicKeyInfo",
        pem=f"{ref.PEM_BEGIN}\nMCowBQYDK2VwAyEAA6EHv/POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMQ==\n{ref.PEM_END}\n")
bad_key("pem-not-base64", "PEM body is not base64",
        pem=ref.public_key_pem(PUB[K0]).replace("MCow", "MC*w"))
bad_key("pem-private-key-label", "not one PEM block",
        pem=ref.public_key_pem(PUB[K0]).replace("END PUBLIC KEY", "END PRIVATE KEY"))


# ---------------------------------------------------------------- checks
def cofactorless_equation(a, msg, sig):
    """Cofactorless RFC 8032 verification in plain integers, with none of the strict rules
    but S < l: decodes R leniently (y mod p, x = 0 whatever its sign bit), so it shows which
    forgeries only the strict rules refuse. True when [S]B = R + [k]A."""
    p, d = ref.ED_P, ref.ED_D

    def lenient(b):
        n = int.from_bytes(b, "little")
        y, sign = (n & ((1 << 255) - 1)) % p, n >> 255
        if y == 1 or y == p - 1:  # x = 0: any sign bit
            return 0, y
        return ref.decode_point((y | sign << 255).to_bytes(32, "little"))

    def add(P1, P2):  # extended coordinates (RFC 8032 5.1.4)
        X1, Y1, Z1, T1 = P1
        X2, Y2, Z2, T2 = P2
        A, B = (Y1 - X1) * (Y2 - X2) % p, (Y1 + X1) * (Y2 + X2) % p
        C, D = T1 * 2 * d * T2 % p, Z1 * 2 * Z2 % p
        E, F, G, H = B - A, D - C, D + C, B + A
        return E * F % p, G * H % p, F * G % p, E * H % p

    def mul(s, pt):
        q = (0, 1, 1, 0)
        while s:
            if s & 1:
                q = add(q, pt)
            pt, s = add(pt, pt), s >> 1
        return q

    def ext(pt):
        return pt[0], pt[1], 1, pt[0] * pt[1] % p

    def same(P1, P2):
        return (P1[0] * P2[2] - P2[0] * P1[2]) % p == 0 and (P1[1] * P2[2] - P2[1] * P1[2]) % p == 0

    r_pt, a_pt = lenient(sig[:32]), ref.decode_point(a)
    s = int.from_bytes(sig[32:], "little")
    if r_pt is None or s >= ref.ED_L:
        return False
    k = int.from_bytes(hashlib.sha512(sig[:32] + a + msg).digest(), "little") % ref.ED_L
    base = ref.decode_point((4 * pow(5, p - 2, p) % p).to_bytes(32, "little"))
    return same(mul(s, ext(base)), add(ext(r_pt), mul(k, ext(a_pt))))


LAX_ACCEPTS = {"r-identity-s-ka-cofactorless-equation-holds",
               "session-r-identity-s-ka-cofactorless-equation-holds", "r-non-canonical-identity-s-ka"}


def check_equations():
    """Every valid value satisfies the group equation; every BadSignature value fails it,
    except the forgeries only the strict rules refuse, which satisfy it."""
    for e in VALID + [e for e in INVALID if e.get("error") == "BadSignature"]:
        value, shape = e["value"], e["shape"]
        kid_ = value.split(".")[-2]
        keys = {ref.key_id(k): k for k in [bytes.fromhex(h) for h in
                                            [e["public_key_hex"], *e["previous_public_key_hex"]]]}
        msg = ref.ed_message(e["purpose"], shape, body_of(value).encode("ascii"))
        holds = cofactorless_equation(keys[kid_], msg, bytes.fromhex(sig_of(value)))
        want = "error" not in e or e["name"] in LAX_ACCEPTS
        assert holds == want, (e["name"], holds)
    # OpenSSL alone (under `cryptography`) accepts the small-order R forgery: the
    # references' explicit checks are what refuse it.
    e = next(e for e in INVALID if e["name"] == "r-identity-s-ka-cofactorless-equation-holds")
    ed25519, invalid = ref._ed25519()
    ed25519.Ed25519PublicKey.from_public_bytes(PUB[K0]).verify(
        bytes.fromhex(sig_of(e["value"])), ref.ed_message("session", "untimed", body_of(e["value"]).encode()))


def check_hmac_claims():
    """docs/format.md: an HMAC verifier refuses every Ed25519 value by its length, its part
    count or its signature's length; an Ed25519 verifier every HMAC value by its part count or
    its signature's length."""
    ed_values = [e["value"] for e in VALID]
    for tag in range(16, 33):
        for timed, session in [(False, False), (True, False), (True, True)]:
            for v in ed_values:
                try:
                    ref.verify(K0, [], "session", tag, timed, v, now=T, session=session)
                    raise AssertionError(f"HMAC verifier accepted {v}")
                except ref.Reject as r:
                    assert r.args[0] in ("TooLong", "PartCount", "SignatureLength"), (tag, v, r)
            for id_ in ("a", "12345", ID255):
                for ts, auth in [(None, None), (U64, None), (U64, U64)]:
                    h = ref.sign(K0, "session", tag, id_, ts, auth)
                    for shape in ref.SHAPES:
                        try:
                            ref.ed_verify(PUB[K0], [], "session", shape, h, now=U64)
                            raise AssertionError(f"Ed25519 verifier accepted {h}")
                        except ref.Reject as r:
                            assert r.args[0] in ("PartCount", "SignatureLength"), (shape, h, r)


def verify_req(e, pem=False):
    req = {"op": "ed25519_verify",
           **{k: e[k] for k in ("purpose", "shape", "value", "now", "max_age", "leeway", "lifetime",
                                "not_before", "logouts")}}
    if pem:  # the same keys as SPKI PEM blocks
        req["public_key_pem"] = ref.public_key_pem(bytes.fromhex(e["public_key_hex"]))
        req["previous_public_key_pem"] = [ref.public_key_pem(bytes.fromhex(h))
                                          for h in e["previous_public_key_hex"]]
    else:
        req["public_key_hex"] = e["public_key_hex"]
        req["previous_public_key_hex"] = e["previous_public_key_hex"]
    return req


def expected(e):
    if "error" in e:
        return {"ok": False, "error": e["error"]}
    resp = {"ok": True, "id": e["id"], "issued_at": e["ts"]}
    if e["shape"] == "session":
        resp["auth"] = e["auth"]
    resp["key_id"] = e["value"].split(".")[-2]
    return resp


def batch(cmd, reqs):
    inp = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in reqs)
    p = subprocess.run(cmd, input=inp.encode(), capture_output=True, check=True)
    out = [json.loads(l) for l in p.stdout.decode().splitlines()]
    if len(out) != len(reqs):
        sys.exit(f"FAIL: {cmd[0]} answered {len(out)} of {len(reqs)} requests\n{p.stderr.decode()}")
    return out


def self_check():
    reqs, want = [], []
    for i, e in enumerate(VALID + INVALID):
        reqs.append(verify_req(e, pem=i % 3 == 0)); want.append(expected(e))
        if "error" not in e:  # the sign op must reproduce the value too
            reqs.append({"op": "ed25519_sign", "seed_hex": e["seed_hex"], "purpose": e["purpose"],
                         "shape": e["shape"], "id": e["id"], "auth": e["auth"], "ts": e["ts"]})
            want.append({"value": e["value"]})
    for k in KEYS:
        keyed = {kk: k[kk] for kk in ("public_key_hex", "key_id", "public_key_pem")}
        for given in ("seed_hex", "public_key_hex", "public_key_pem"):
            reqs.append({"op": "ed25519_key", given: k[given]}); want.append(keyed)
    for b in BAD_KEYS:
        given = {kk: b[kk] for kk in ("public_key_hex", "public_key_pem") if kk in b}
        reqs.append({"op": "ed25519_key", **given}); want.append({"error": f"BadPublicKey: {b['reason']}"})
        # A verifier given such a key refuses to start, whatever the value.
        reqs.append({"op": "ed25519_verify", "purpose": "session", "shape": "untimed", "value": V,
                     **({"public_key_hex": b["public_key_hex"]} if "public_key_hex" in b
                        else {"public_key_pem": b["public_key_pem"]})})
        want.append({"error": f"BadPublicKey: {b['reason']}"})
    runs = {"python-inproc": [ref.handle(r) for r in reqs],
            "python-batch": batch([sys.executable, os.path.join(INTEROP, "sigcookie_ref.py")], reqs)}
    if shutil.which("node"):
        runs["node-batch"] = batch(["node", os.path.join(INTEROP, "sigcookie_ref.mjs")], reqs)
    else:
        print("WARNING: node not found: the vectors were NOT cross-checked with the Node reference",
              file=sys.stderr)
    failures = [(who, r.get("value", r.get("op")), w, got[i])
                for who, got in runs.items() for i, (r, w) in enumerate(zip(reqs, want)) if got[i] != w]
    for f in failures[:20]:
        print("MISMATCH", *map(repr, f), file=sys.stderr)
    if failures:
        sys.exit(f"FAIL: {len(failures)} mismatches")
    return len(reqs), ", ".join(runs)


def main():
    worked = {e["name"]: e["value"] for e in VALID if e["name"].startswith("worked-example-")}
    assert list(worked.values()) == [v for _, _, _, v in ref.ED25519_WORKED_EXAMPLES], worked
    assert (PUB[K0].hex(), KID[K0]) == ref.ED25519_WORKED_KEY
    names = [e["name"] for e in VALID + INVALID + KEYS + BAD_KEYS]
    assert len(names) == len(set(names)), "duplicate vector names"
    for e in VALID:
        assert len(e["value"].encode()) <= CAP[e["shape"]], e["name"]
        if "at-length-cap" in e["name"]:
            assert len(e["value"]) == CAP[e["shape"]], e["name"]
    check_equations()
    check_hmac_claims()
    n, who = self_check()
    doc = {"format": "sigcookie-v1-ed25519",
           "generator": "tests/vectors/generate_ed25519.py (Python cryptography)",
           "keys": KEYS, "valid": VALID, "invalid": INVALID, "bad_public_keys": BAD_KEYS}
    with open(os.path.join(HERE, "ed25519.json"), "w", encoding="utf-8", newline="\n") as f:
        f.write(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote tests/vectors/ed25519.json: {len(VALID)} valid, {len(INVALID)} invalid, "
          f"{len(BAD_KEYS)} refused public keys ({n} requests agreed across {who})")


if __name__ == "__main__":
    main()
