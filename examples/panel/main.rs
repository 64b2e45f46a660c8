//! A device-style admin panel: a login form, a protected status page, logout and "log out all
//! sessions", on `sigcookie`'s session cookie and axum.
//!
//! ```text
//! cargo run --example panel
//! ```
//!
//! - `PANEL_ADDR`: address to listen on (default `127.0.0.1:8080`).
//! - `PANEL_HOSTS`: other `Host` names the panel answers to, comma-separated
//!   (`panel.lan,192.168.1.1:8080`); besides these only the listening address and
//!   `localhost:PORT` are served, against DNS rebinding.
//! - `SIGCOOKIE_SECRET`: the secret in hex (`sigcookie keygen`); when unset a random one is used
//!   and sessions do not survive a restart.
//! - `PANEL_PLAIN_HTTP=1`: **insecure** opt-out of `Secure` cookies, for a panel reached over
//!   plain HTTP on a LAN address; see the README.
//! - `RUST_LOG`: log filter (default `info`; `sigcookie=debug` shows why cookies are refused).
//!
//! The demo account is `admin` with password `panel-demo-2024`.

mod app;

use std::net::SocketAddr;
use std::process::ExitCode;

use sigcookie::{Error, Key};
use tracing_subscriber::EnvFilter;

const DEFAULT_ADDR: &str = "127.0.0.1:8080";

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            tracing::error!("{message}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), String> {
    let key = match Key::from_env("SIGCOOKIE_SECRET") {
        Ok(key) => key,
        Err(e) if e.error() == Error::KeyEnvMissing => {
            tracing::warn!(
                "SIGCOOKIE_SECRET is not set: using a random secret, so sessions will not survive \
                 a restart (set it to the output of `sigcookie keygen`)"
            );
            Key::generate().map_err(|e| format!("cannot generate a secret: {e}"))?
        }
        // The error names the variable.
        Err(e) => return Err(e.to_string()),
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
        .build()
        .map_err(|e| format!("session cookie: {e}"))?;

    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    let local = listener.local_addr().map_err(|e| e.to_string())?;
    let extra_hosts = std::env::var("PANEL_HOSTS").ok();
    if local.ip().is_unspecified() && extra_hosts.is_none() {
        tracing::warn!(
            "listening on all addresses without PANEL_HOSTS: requests naming this device by its \
             LAN address or name are refused (421); set PANEL_HOSTS=192.168.1.1:{}",
            local.port()
        );
    }
    let config = app::Config::new(local, extra_hosts.as_deref());
    println!("Device panel: open http://{local}/ and log in as admin / panel-demo-2024");
    axum::serve(listener, app::router(cookie, config))
        .with_graceful_shutdown(async {
            // If the signal handler cannot be installed, run until killed instead.
            if tokio::signal::ctrl_c().await.is_err() {
                std::future::pending::<()>().await;
            }
        })
        .await
        .map_err(|e| format!("server: {e}"))
}
