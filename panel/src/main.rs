//! A device-style admin panel: a login form, a protected status page, password change, logout
//! and "log out all sessions", on `sigcookie`'s session cookie, axum and hyper.
//!
//! ```text
//! cargo run -p sigcookie-panel
//! ```
//!
//! - `PANEL_ADDR`: address to listen on (default `127.0.0.1:8080`).
//! - `PANEL_HOSTS`: other `Host` names the panel answers to, comma-separated
//!   (`panel.lan,192.168.1.1:8080`); besides these only the listening address and
//!   `localhost:PORT` are served, against DNS rebinding.
//! - `PANEL_STATE_DIR`: the folder for the users, the cut-offs and the generated secret (default
//!   `$XDG_STATE_HOME/sigcookie-panel`, else `$HOME/.local/state/sigcookie-panel`).
//! - `SIGCOOKIE_SECRET`: the secret in hex (`sigcookie keygen`); when unset a random one is
//!   generated on the first start and kept in the state folder, so sessions survive restarts
//!   (the log says so).
//! - `PANEL_REDIS_URL`: keep the cut-offs and the password hashes in this Redis instead of the
//!   state folder, shared by every panel that uses it and the same secret.
//! - `PANEL_POSTGRES_URL`: the same in this PostgreSQL database (`postgresql://user@host/db` or
//!   `host=… user=… dbname=…`); not with `PANEL_REDIS_URL`.
//! - `PANEL_PLAIN_HTTP=1`: **insecure** opt-out of `Secure` cookies, for a panel reached over
//!   plain HTTP on a LAN address; see this package's README.
//! - `RUST_LOG`: log filter (default `info`; `sigcookie=debug` shows why cookies are refused).
//!
//! A fresh state folder gets the demo account `admin` with password `panel-demo-2024`; the
//! panel asks for it to be changed.
#![forbid(unsafe_code)]

mod app;
mod device;
mod pages;
mod password;
mod postgres_passwords;
mod redis_passwords;
mod server;
mod shared;
mod throttle;
mod users;

use std::fs;
use std::io::{IsTerminal, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use sigcookie::store::{CutoffStore, FileStore};
use sigcookie::{ConfigError, Key};
use tracing_subscriber::EnvFilter;

use crate::shared::Server;

const DEFAULT_ADDR: &str = "127.0.0.1:8080";

fn main() -> ExitCode {
    // Logs go to stderr; stdout has only the line that says where to open the panel.
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        // Colour codes only for a terminal: in a log file or the journal they are noise.
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            tracing::error!("{message}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let shared = Server::from_env()?;
    let dir = state_dir()?;
    create_private_dir(&dir)?;
    tracing::info!(dir = %dir.display(), "state folder");
    let users = match &shared {
        // Fails when the server is unreachable: the users file's hashes may be passwords
        // changed since on another instance.
        Some(server) => users::Users::open_shared(&dir, server.passwords()?)?,
        None => users::Users::open(&dir)?,
    };
    let users = Arc::new(users);
    let key = secret(&dir)?;
    let store: Arc<dyn CutoffStore> = match &shared {
        Some(server) => {
            let store = server.cutoffs()?;
            tracing::info!(
                "cut-offs and password hashes are kept in {}, shared with the other instances",
                server.name()
            );
            store
        }
        None => Arc::new(FileStore::open(dir.join("cutoffs.json")).map_err(|e| e.to_string())?),
    };
    let addr = std::env::var("PANEL_ADDR").unwrap_or_else(|_| DEFAULT_ADDR.to_owned());
    let addr: SocketAddr = addr
        .parse()
        .map_err(|e| format!("PANEL_ADDR {addr:?} is not an address like {DEFAULT_ADDR}: {e}"))?;
    let plain_http = std::env::var("PANEL_PLAIN_HTTP").is_ok_and(|v| v == "1");
    if plain_http {
        tracing::warn!(
            "PANEL_PLAIN_HTTP=1: the session cookie is not Secure and travels in clear; anyone on \
             this network can copy it. Use only on a trusted LAN, and prefer HTTPS"
        );
    }
    let cookie = app::session_cookie(&key, plain_http)
        .store(Arc::clone(&store))
        .build()
        .map_err(|e| format!("session cookie: {e}"))?;
    let device = device::device_cookie(&key, plain_http, store)
        .build()
        .map_err(|e| format!("device cookie: {e}"))?;
    let extra_hosts = std::env::var("PANEL_HOSTS").ok();

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
        let local = listener.local_addr().map_err(|e| e.to_string())?;
        let config = app::Config::new(local, extra_hosts.as_deref());
        println!(
            "Device panel: open {}",
            open_url(local, extra_hosts.as_deref())
        );
        let _ = std::io::stdout().flush();
        let shutdown = async {
            // If the signal handler cannot be installed, run until killed instead.
            if tokio::signal::ctrl_c().await.is_err() {
                std::future::pending::<()>().await;
            }
            tracing::info!("stopping");
        };
        let app = app::router(cookie, device, users, config);
        server::serve(listener, app, server::Limits::default(), shutdown).await;
        Ok(())
    })
}

/// The address to open in a browser. `0.0.0.0` is where the panel listens, not an address a
/// browser can open: then the first `PANEL_HOSTS` name, or this machine's loopback address.
fn open_url(local: SocketAddr, extra_hosts: Option<&str>) -> String {
    if !local.ip().is_unspecified() {
        return format!("http://{local}/");
    }
    let named = extra_hosts
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .find(|host| !host.is_empty());
    match named {
        Some(host) => format!("http://{host}/"),
        None => {
            tracing::warn!(
                "listening on all addresses without PANEL_HOSTS: requests naming this device by \
                 its LAN address or name are refused (421); set PANEL_HOSTS=192.168.1.1:{}",
                local.port()
            );
            format!("http://127.0.0.1:{}/ on this machine", local.port())
        }
    }
}

/// `PANEL_STATE_DIR`, else the user's state folder. Never a path relative to the working
/// directory: `cargo run` from a checkout would put users and secrets inside the repository,
/// one `git add .` away from being published.
fn state_dir() -> Result<PathBuf, String> {
    if let Some(dir) = std::env::var_os("PANEL_STATE_DIR") {
        let dir = PathBuf::from(dir);
        if !dir.is_absolute() {
            return Err(format!(
                "PANEL_STATE_DIR {} must be an absolute path",
                dir.display()
            ));
        }
        return Ok(dir);
    }
    let xdg = std::env::var_os("XDG_STATE_HOME")
        .map(PathBuf::from)
        .filter(|dir| dir.is_absolute());
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .filter(|dir| dir.is_absolute())
        .map(|home| home.join(".local").join("state"));
    xdg.or(home)
        .map(|base| base.join("sigcookie-panel"))
        .ok_or_else(|| "set PANEL_STATE_DIR: neither XDG_STATE_HOME nor HOME is set".to_owned())
}

/// Creates `dir`, readable by this user only: it holds password hashes and the secret.
fn create_private_dir(dir: &Path) -> Result<(), String> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(dir)
        .map_err(|e| format!("cannot create the state folder {}: {e}", dir.display()))
}

/// `SIGCOOKIE_SECRET`, else the secret in the state folder, generated on the first start. Kept
/// beside the cut-offs on purpose: a lost folder takes the secret with it, so every session
/// ends instead of revoked ones coming back.
fn secret(dir: &Path) -> Result<Key, String> {
    match Key::from_env("SIGCOOKIE_SECRET") {
        Ok(key) => return Ok(key),
        Err(ConfigError::KeyEnvMissing { .. }) => {}
        // The error names the variable.
        Err(e) => return Err(e.to_string()),
    }
    let path = dir.join("secret");
    match fs::read_to_string(&path) {
        Ok(hex) => {
            let key = Key::from_hex(hex.trim()).map_err(|e| format!("{}: {e}", path.display()))?;
            tracing::info!(
                "SIGCOOKIE_SECRET is not set: using the random secret generated earlier, kept in \
                 {} (sessions survive restarts)",
                path.display()
            );
            return Ok(key);
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(format!("{}: {e}", path.display())),
    }
    let mut bytes = [0_u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| format!("cannot generate a secret: {e}"))?;
    let hex = hex::encode(bytes);
    let key = Key::from_hex(&hex).map_err(|e| e.to_string())?;
    let write = || -> std::io::Result<()> {
        let temporary = dir.join("secret.tmp");
        let mut options = fs::File::options();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&temporary)?;
        file.write_all(hex.as_bytes())?;
        file.write_all(b"\n")?;
        file.sync_all()?;
        fs::rename(&temporary, &path)?;
        fs::File::open(dir)?.sync_all()
    };
    write().map_err(|e| format!("cannot save the secret to {}: {e}", path.display()))?;
    tracing::info!(
        "SIGCOOKIE_SECRET is not set: generated a random secret, kept in {} (sessions survive \
         restarts)",
        path.display()
    );
    Ok(key)
}
