//! Interop with independent implementations: the Python (`hmac`) and Node (`crypto`) references
//! in `tests/interop/` verify what this crate signs, sign what it verifies, and reject the same
//! tampered values with the same error; they make the same CSRF tokens, and accept and refuse
//! the same ones.
//!
//! When `python3` or `node` is missing the test says so and passes, except under `CI=true`, where
//! a missing interpreter is a failure: CI installs both.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use common::{Case, ed25519_value, uint, variant};
use serde_json::{Value, json};
use sigcookie::format;
use sigcookie::{
    Cutoffs, Ed25519PublicKey, Ed25519SigningKey, Ed25519Verifier, SessionSigner, TimestampSigner,
};

/// Deterministic xorshift: reproducible cases without another dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

fn idchars() -> Vec<char> {
    (0u8..0x80)
        .filter(|&b| format::is_id_byte(b))
        .map(char::from)
        .collect()
}

/// Runs a reference implementation in batch mode; `None` when its interpreter is missing.
fn run_reference(program: &str, script: &str, requests: &[Value]) -> Option<Vec<Value>> {
    let path = format!("{}/tests/interop/{script}", env!("CARGO_MANIFEST_DIR"));
    let child = Command::new(program)
        .arg(path)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(child) => child,
        Err(e) if std::env::var("CI").as_deref() == Ok("true") => {
            panic!("{program} is required under CI=true: {e}")
        }
        Err(e) => {
            eprintln!("skipping the {program} interop check: {e}");
            return None;
        }
    };
    let input: String = requests.iter().map(|r| format!("{r}\n")).collect();
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write requests");
    let output = child.wait_with_output().expect("reference ran");
    assert!(output.status.success(), "{program} {script} failed");
    let responses: Vec<Value> = String::from_utf8(output.stdout)
        .expect("utf8")
        .lines()
        .map(|line| serde_json::from_str(line).expect("JSON response"))
        .collect();
    assert_eq!(
        responses.len(),
        requests.len(),
        "{program}: one response per request"
    );
    Some(responses)
}

fn references(requests: &[Value]) -> Vec<(&'static str, Vec<Value>)> {
    [
        ("python3", "sigcookie_ref.py"),
        ("node", "sigcookie_ref.mjs"),
    ]
    .into_iter()
    .filter_map(|(program, script)| run_reference(program, script, requests).map(|r| (program, r)))
    .collect()
}

/// A random signer configuration and id, as a verify request without its value.
fn random_case(rng: &mut Rng, chars: &[char]) -> Value {
    let purposes = [Some("session"), Some("csrf"), Some("sessión"), None];
    // Untimed, timestamped and session values in turn.
    let shape = rng.below(3);
    let (timestamped, session) = (shape > 0, shape == 2);
    let longest = if rng.below(4) == 0 { 255 } else { 40 };
    let id_len = 1 + rng.below(longest) as usize;
    let id: String = (0..id_len)
        .map(|_| chars[rng.below(chars.len() as u64) as usize])
        .collect();
    let secret_len = 32 + rng.below(80) as usize;
    let ts = rng.next() >> rng.below(64);
    let auth = ts - ts / (1 + rng.below(1000));
    json!({
        "op": "verify",
        "secret_hex": hex::encode(rng.bytes(secret_len)),
        "previous_secret_hex": [],
        "purpose": purposes[rng.below(4) as usize],
        "tag_bytes": 16 + rng.below(17),
        "timestamped": timestamped,
        "session": session,
        "id": id,
        "auth": if session { json!(auth.to_string()) } else { Value::Null },
        "ts": if timestamped { json!(ts.to_string()) } else { Value::Null },
        "now": if timestamped { json!(ts.to_string()) } else { json!(0) },
        "max_age": 3600,
        "leeway": 60,
        "lifetime": if session { json!(u64::MAX.to_string()) } else { json!(0) },
        "not_before": if session { json!(auth.to_string()) } else { Value::Null },
    })
}

fn sign_with_crate(case: &Value) -> String {
    let id = case["id"].as_str().expect("id");
    Case::from_json(case)
        .sign(id, uint(&case["auth"]), uint(&case["ts"]))
        .expect("sign")
}

/// The object's fields, for `json!` struct-update style merging.
fn case_fields(case: &Value) -> serde_json::Map<String, Value> {
    case.as_object().expect("object").clone()
}

/// The crate's answer to a verify request, in the references' response format.
fn verify_with_crate(request: &Value) -> Value {
    match Case::from_json(request).verify() {
        Ok(accepted) => json!({
            "ok": true,
            "id": accepted.id,
            "issued_at": accepted.issued_at.map(|t| t.to_string()),
            "auth": accepted.logged_in_at.map(|t| t.to_string()),
        }),
        Err(e) => json!({"ok": false, "error": variant(&e)}),
    }
}

/// Responses agree when ok/error agree and, for accepted values, the id and times agree (times
/// may travel as numbers or decimal strings).
fn same(a: &Value, b: &Value) -> bool {
    a["ok"] == b["ok"]
        && a["error"] == b["error"]
        && a["id"] == b["id"]
        && uint(&a["issued_at"]) == uint(&b["issued_at"])
        && uint(&a["auth"]) == uint(&b["auth"])
}

#[test]
fn crate_and_references_agree_on_signing_and_verifying() {
    let mut rng = Rng(0x5eed_c00c_1e00_0001);
    let chars = idchars();
    let cases: Vec<Value> = (0..150).map(|_| random_case(&mut rng, &chars)).collect();

    // 1. The references sign; the crate must produce the same bytes.
    let sign_requests: Vec<Value> = cases
        .iter()
        .map(|c| {
            json!({"op": "sign", "secret_hex": c["secret_hex"], "purpose": c["purpose"],
                        "tag_bytes": c["tag_bytes"], "id": c["id"], "ts": c["ts"],
                        "session": c["session"], "auth": c["auth"]})
        })
        .collect();
    let mut verify_requests = Vec::new();
    for (program, responses) in references(&sign_requests) {
        for (case, response) in cases.iter().zip(&responses) {
            let theirs = response["value"]
                .as_str()
                .unwrap_or_else(|| panic!("{program}: {response}"));
            assert_eq!(
                sign_with_crate(case),
                theirs,
                "{program} disagrees on {case}"
            );
        }
    }

    // 2. The crate signs; every reference verifies, and both reject the same tampered values.
    for case in &cases {
        let value = sign_with_crate(case);
        let mut request = case_fields(case);
        request.insert("value".into(), json!(value));
        verify_requests.push(Value::Object(request.clone()));
        for tampered in tamper(&value, &mut rng) {
            request.insert("value".into(), json!(tampered));
            verify_requests.push(Value::Object(request.clone()));
        }
    }
    let ours: Vec<Value> = verify_requests.iter().map(verify_with_crate).collect();
    assert!(ours.iter().filter(|r| r["ok"] == json!(true)).count() >= cases.len());
    for (program, theirs) in references(&verify_requests) {
        for ((request, ours), theirs) in verify_requests.iter().zip(&ours).zip(&theirs) {
            assert!(
                same(ours, theirs),
                "{program} answered {theirs}, the crate {ours}, for {request}"
            );
        }
    }
}

/// Altered copies of a valid value: each single check of the grammar and the MAC gets a turn.
fn tamper(value: &str, rng: &mut Rng) -> Vec<String> {
    let (msg, sig) = value.rsplit_once('.').expect("dot");
    let at = rng.below(value.len() as u64) as usize;
    let mut flipped = value.as_bytes().to_vec();
    flipped[at] = if flipped[at] == b'0' { b'1' } else { b'0' };
    vec![
        String::from_utf8_lossy(&flipped).into_owned(),
        format!("{msg}.{}", sig.to_uppercase()),
        format!("{msg}.{}", &sig[1..]),
        format!("{value}0"),
        format!("{msg}.{sig}.{sig}"),
        format!("x{value}"),
        value.replacen('.', ".0", 1),
        value.replacen('.', "..", 1),
        // A time moved from one part to the other, and one part more or fewer.
        value.replacen('.', ".1.", 1),
        match msg.split_once('.') {
            Some((id, times)) => format!("{id}.{times}.{times}.{sig}"),
            None => format!("{msg}.0.{sig}"),
        },
        format!("{}é", &value[..value.len() - 2]),
    ]
}

/// The crate's answer to a `verify_csrf` request: the session `id.auth` signed and verified
/// under the request's key (previous keys included), then its token checked.
fn verify_csrf_with_crate(request: &Value) -> Value {
    with_crate_session(request, |signer, session| {
        match signer.verify_csrf(session, request["token"].as_str().expect("token")) {
            Ok(()) => json!({"ok": true}),
            Err(e) => json!({"ok": false, "error": variant(&e)}),
        }
    })
}

/// The crate's token for the session `id.auth` under the current key of `request`.
fn csrf_with_crate(request: &Value) -> String {
    with_crate_session(request, |signer, session| {
        signer.csrf_token(session).expect("token").to_string()
    })
}

/// `f` on the crate's session signer for `request` (its secrets and purpose) and the session
/// `id.auth` it signed and verified.
fn with_crate_session<T>(
    request: &Value,
    f: impl FnOnce(&sigcookie::SessionSigner, &sigcookie::Verified<'_>) -> T,
) -> T {
    let mut case = Case::from_json(&json!({
        "secret_hex": request["secret_hex"],
        "previous_secret_hex": request["previous_secret_hex"],
        "purpose": request["purpose"],
        "tag_bytes": 32,
    }));
    case.lifetime = u64::MAX;
    let (id, auth) = (
        request["id"].as_str().expect("id"),
        uint(&request["auth"]).expect("auth"),
    );
    let value = case.session_value(id, auth, auth);
    let signer = case.session_signer();
    let session = signer
        .verify_at(&value, auth, &sigcookie::Cutoffs::NONE)
        .expect("the session verifies");
    f(&signer, &session)
}

#[test]
fn crate_and_references_agree_on_csrf_tokens() {
    let mut rng = Rng(0x5eed_c5f0_0000_0001);
    let chars = idchars();
    let purposes = [Some("session"), Some("__Host-panel"), Some("sessión"), None];
    let cases: Vec<Value> = (0..120)
        .map(|_| {
            let longest = if rng.below(4) == 0 { 255 } else { 40 };
            let id: String = (0..1 + rng.below(longest) as usize)
                .map(|_| chars[rng.below(chars.len() as u64) as usize])
                .collect();
            let secret_len = 32 + rng.below(80) as usize;
            let previous: Vec<String> = (0..rng.below(3))
                .map(|_| hex::encode(rng.bytes(32)))
                .collect();
            json!({
                "secret_hex": hex::encode(rng.bytes(secret_len)),
                "previous_secret_hex": previous,
                "purpose": purposes[rng.below(4) as usize],
                "id": id,
                // Times travel as decimal strings: many are past 2^53.
                "auth": (rng.next() >> rng.below(64)).to_string(),
            })
        })
        .collect();

    // 1. The references make each session's token; the crate must make the same.
    let make: Vec<Value> = cases
        .iter()
        .map(|c| {
            let mut request = case_fields(c);
            request.insert("op".into(), json!("csrf"));
            Value::Object(request)
        })
        .collect();
    for (program, responses) in references(&make) {
        for (request, response) in make.iter().zip(&responses) {
            let theirs = response["token"]
                .as_str()
                .unwrap_or_else(|| panic!("{program}: {response}"));
            assert_eq!(
                csrf_with_crate(request),
                theirs,
                "{program} disagrees on {request}"
            );
        }
    }

    // 2. Tokens to check: the crate's own, one made under a previous key, and altered ones;
    //    the crate and every reference must give the same answer to each.
    let mut checks = Vec::new();
    for case in &cases {
        let token = csrf_with_crate(case);
        let mut request = case_fields(case);
        request.insert("op".into(), json!("verify_csrf"));
        let id = case["id"].as_str().expect("id");
        let auth: u64 = uint(&case["auth"]).expect("auth");
        let mut other_login = case_fields(case);
        other_login.insert("auth".into(), json!(auth.wrapping_add(1).to_string()));
        let mut other_user = case_fields(case);
        other_user.insert(
            "id".into(),
            json!(if id == "another" { "user" } else { "another" }),
        );
        let mut other_purpose = case_fields(case);
        other_purpose.insert("purpose".into(), json!("prefs"));
        let mut tokens = vec![
            token.clone(),
            token.to_uppercase(),
            token[..31].to_owned(),
            format!("{token}0"),
            format!("{}g", &token[..31]),
            format!("{}é", &token[..30]),
            String::new(),
            {
                let mut flipped = token.clone().into_bytes();
                let at = rng.below(32) as usize;
                flipped[at] = if flipped[at] == b'0' { b'1' } else { b'0' };
                String::from_utf8(flipped).expect("ASCII")
            },
            csrf_with_crate(&Value::Object(other_login)),
            csrf_with_crate(&Value::Object(other_user)),
            csrf_with_crate(&Value::Object(other_purpose)),
            Case::of(&[7; 32], None, 32).session_value(id, auth, auth),
        ];
        if let Some(old) = case["previous_secret_hex"]
            .as_array()
            .and_then(|p| p.last())
        {
            let mut with_old = case_fields(case);
            with_old.insert("secret_hex".into(), old.clone());
            tokens.push(csrf_with_crate(&Value::Object(with_old)));
        }
        for token in tokens {
            request.insert("token".into(), json!(token));
            checks.push(Value::Object(request.clone()));
        }
    }
    let ours: Vec<Value> = checks.iter().map(verify_csrf_with_crate).collect();
    let accepted = ours.iter().filter(|r| r["ok"] == json!(true)).count();
    assert!(accepted >= cases.len(), "{accepted} accepted");
    for (program, theirs) in references(&checks) {
        for ((request, ours), theirs) in checks.iter().zip(&ours).zip(&theirs) {
            assert_eq!(ours, theirs, "{program} disagrees on {request}");
        }
    }
}

/// The references that can do Ed25519: Python's needs the `cryptography` package, and says so
/// in its answers when it is missing; that skips it with a message, or fails under `CI=true`.
fn ed25519_references(requests: &[Value]) -> Vec<(&'static str, Vec<Value>)> {
    let mut usable = references(requests);
    usable.retain(|(program, responses)| {
        let unavailable = responses.iter().find_map(|r| {
            let error = r["error"].as_str()?;
            error.starts_with("Unavailable").then_some(error)
        });
        match unavailable {
            Some(why) if std::env::var("CI").as_deref() == Ok("true") => {
                panic!("{program} is required to check Ed25519 under CI=true: {why}")
            }
            Some(why) => {
                eprintln!("skipping the {program} Ed25519 interop check: {why}");
                false
            }
            None => true,
        }
    });
    usable
}

/// The crate's answer to an `ed25519_verify` request, with a verifier that holds the public
/// key alone.
fn ed25519_verify_with_crate(request: &Value) -> Value {
    let public = Ed25519PublicKey::from_hex(request["public_key_hex"].as_str().expect("key"))
        .expect("public key");
    let verifier = Ed25519Verifier::new(&public, request["purpose"].as_str().expect("purpose"))
        .expect("purpose");
    let value = request["value"].as_str().expect("value");
    let now = uint(&request["now"]).expect("now");
    let verified = match request["shape"].as_str().expect("shape") {
        "untimed" => verifier.verify(value).map(|id| (id, None, None)),
        "timestamped" => TimestampSigner::new(verifier, 3600)
            .verify_at(value, now)
            .map(|v| (v.id(), Some(v.issued_at()), None)),
        _ => SessionSigner::new(verifier, 3600, u64::MAX)
            .verify_at(value, now, &Cutoffs::NONE)
            .map(|v| (v.id(), Some(v.issued_at()), Some(v.logged_in_at()))),
    };
    match verified {
        Ok((id, issued_at, auth)) => json!({
            "ok": true,
            "id": id,
            "issued_at": issued_at.map(|t| t.to_string()),
            "auth": auth.map(|t| t.to_string()),
        }),
        Err(e) => json!({"ok": false, "error": variant(&e)}),
    }
}

#[test]
fn crate_and_references_agree_on_ed25519_values() {
    let mut rng = Rng(0x5eed_ed25_5190_0001);
    let chars = idchars();
    let purposes = ["session", "api", "sessión"];
    let shapes = ["untimed", "timestamped", "session"];
    let (mut sign_requests, mut ours_signed, mut verify_requests) = (vec![], vec![], vec![]);
    for _ in 0..60 {
        let seed = rng.bytes(32);
        let public = *Ed25519SigningKey::from_bytes(&seed)
            .expect("seed")
            .public_key();
        let purpose = purposes[rng.below(3) as usize];
        let shape = rng.below(3) as usize;
        let longest = if rng.below(4) == 0 { 255 } else { 40 };
        let id_len = 1 + rng.below(longest) as usize;
        let id: String = (0..id_len)
            .map(|_| chars[rng.below(chars.len() as u64) as usize])
            .collect();
        let ts = rng.next() >> (1 + rng.below(63));
        let auth = ts - ts / (1 + rng.below(1000));
        let times = match shape {
            0 => (None, None),
            1 => (None, Some(ts)),
            _ => (Some(auth), Some(ts)),
        };
        let value = ed25519_value(&seed, purpose, times, &id);
        sign_requests.push(json!({"op": "ed25519_sign", "seed_hex": hex::encode(&seed),
            "purpose": purpose, "shape": shapes[shape], "id": id,
            "ts": times.1.map(|t| t.to_string()), "auth": times.0.map(|t| t.to_string())}));
        ours_signed.push(value.clone());
        let request = json!({"op": "ed25519_verify", "public_key_hex": public.to_string(),
            "purpose": purpose, "shape": shapes[shape], "now": ts.to_string(), "max_age": 3600,
            "leeway": 60, "lifetime": u64::MAX.to_string()});
        let mut values = vec![value.clone()];
        values.extend(tamper(&value, &mut rng));
        // Another purpose's signature, and another key's id.
        values.push(ed25519_value(&seed, "other", times, &id));
        values.push(value.replacen(public.key_id(), "0badc0de", 1));
        for value in values {
            let mut request = case_fields(&request);
            request.insert("value".into(), json!(value));
            verify_requests.push(Value::Object(request));
        }
    }
    // The references sign what the crate signs, byte for byte.
    for (program, responses) in ed25519_references(&sign_requests) {
        for (ours, theirs) in ours_signed.iter().zip(&responses) {
            assert_eq!(Some(ours.as_str()), theirs["value"].as_str(), "{program}");
        }
    }
    // And give the same verdict, error for error, on the values and their altered copies.
    let ours: Vec<Value> = verify_requests
        .iter()
        .map(ed25519_verify_with_crate)
        .collect();
    assert!(ours.iter().filter(|r| r["ok"] == json!(true)).count() >= 60);
    for (program, theirs) in ed25519_references(&verify_requests) {
        for ((request, ours), theirs) in verify_requests.iter().zip(&ours).zip(&theirs) {
            assert!(
                same(ours, theirs),
                "{program} answered {theirs}, the crate {ours}, for {request}"
            );
        }
    }
}
