//! The real `sigcookie` binary: exit codes, output and secret handling.
#![cfg(feature = "cli")]

mod arguments;
mod ed25519;
mod inspect;
mod json;
mod secret;
mod session;
mod sign_verify;

use assert_cmd::Command;

pub(crate) const SECRET: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
pub(crate) const UNTIMED: &str =
    "12345.27f988a4afa735417e65bd94c63b821e82972c4faf62f5e9065240c492ad62ba";
pub(crate) const TIMED: &str = "12345.1764000000.2df5b78a1191cc09a4c9c9243ba5287d";
/// `sigcookie verify` of `TIMED` with the signer that made it.
pub(crate) const VERIFY_TIMED: [&str; 7] = [
    "verify",
    TIMED,
    "--purpose",
    "session",
    "--timestamp",
    "--tag-bytes",
    "16",
];
pub(crate) const UNBOUND: &str =
    "12345.36e295174c2947fbba5ff2d280b635a4b2eaa3106e07c7f1f3d2b72cba861447";

pub(crate) fn cli() -> Command {
    let mut cmd = Command::cargo_bin("sigcookie").expect("binary built with --features cli");
    cmd.env("SIGCOOKIE_SECRET", SECRET);
    cmd
}

/// Runs `args` with `--json` and returns the exit status and the JSON document on stdout.
pub(crate) fn json_failure(cmd: &mut Command) -> (Option<i32>, serde_json::Value) {
    let out = cmd.output().expect("runs");
    let doc = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    });
    (out.status.code(), doc)
}

/// A fresh folder for one test's secret files, removed when dropped.
pub(crate) struct TempDir(pub(crate) std::path::PathBuf);

impl TempDir {
    pub(crate) fn new(test: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("sigcookie-cli-{}-{test}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        TempDir(dir)
    }

    /// Writes `contents` to `name` with permission bits `mode`, whatever the umask.
    pub(crate) fn file(
        &self,
        name: &str,
        contents: impl AsRef<[u8]>,
        mode: u32,
    ) -> std::path::PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, contents).expect("write");
        set_mode(&path, mode);
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        std::fs::remove_dir_all(&self.0).ok();
    }
}

#[cfg(unix)]
fn set_mode(path: &std::path::Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

#[cfg(not(unix))]
fn set_mode(_: &std::path::Path, _: u32) {}

/// `sigcookie ARGS --secret-file PATH` without `SIGCOOKIE_SECRET`.
pub(crate) fn with_secret_file(path: &std::path::Path, args: &[&str]) -> Command {
    let mut cmd = cli();
    cmd.env_remove("SIGCOOKIE_SECRET")
        .args(args)
        .arg("--secret-file")
        .arg(path);
    cmd
}

/// The README's session example: logged in at 1764000000, issued an hour later.
pub(crate) const SESSION: &str =
    "12345.1764000000.1764003600.5ac44e3ba810958131ea64f38fe75147b87cda201e8b17e4bfc05ca4da9921d1";
