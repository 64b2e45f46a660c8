//! An embedded web panel on picoserve, a `no_std` HTTP server without a heap, with sigcookie's
//! `no_std` API: login, status, logout. Run on the host with picoserve's `tokio` feature:
//!
//! ```text
//! cargo run -p sigcookie-embedded      # SIGCOOKIE_SECRET (hex), else a random secret for this run
//! curl -i -c jar -d 'user=admin&password=change-me' http://127.0.0.1:8080/login
//! curl -i -b jar http://127.0.0.1:8080/status      # "logged in as admin", then "csrf=<token>"
//! curl -i -b jar -d "$(curl -s -b jar http://127.0.0.1:8080/status | grep '^csrf=')" http://127.0.0.1:8080/logout
//! ```
//!
//! The request handling is `app.rs`; this file is the host's glue (a tokio listener, the system
//! clock). On a device, the same `app.rs` runs under embassy with `picoserve::Server::new`.
#![forbid(unsafe_code)]

mod app;

use std::cell::Cell;
use std::rc::Rc;

use picoserve::Router;
use picoserve::routing::{get_service, post_service};
use sigcookie::{ConfigError, Key};

/// Connections served at once: each holds an [`app::HTTP_BUFFER`] while it lasts.
const MAX_CONNECTIONS: usize = 16;

/// The system clock in unix seconds; one set before 1970 reads 0, at which every session
/// issued since is refused as issued in the future.
fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // A device keeps its key in flash, made once at provisioning; on the host it comes from the
    // environment, like the other examples' secrets.
    let key = match Key::from_env("SIGCOOKIE_SECRET") {
        Err(ConfigError::KeyEnvMissing { .. }) => {
            eprintln!(
                "SIGCOOKIE_SECRET is not set: generated a random secret for this run (sessions \
                 end when the program stops)"
            );
            Key::generate()?
        }
        key => key?,
    };
    let panel = app::Panel::new(&key, "admin", "change-me", now)?;
    let app = Rc::new(
        Router::new()
            .route("/login", post_service(app::Login))
            .route("/status", get_service(app::Status))
            .route("/logout", post_service(app::Logout))
            .with_state(panel),
    );
    let port = std::env::var("PORT").unwrap_or_else(|_| "8080".into());
    let listener = tokio::net::TcpListener::bind(format!("127.0.0.1:{port}")).await?;
    println!("http://{}/", listener.local_addr()?);
    // picoserve's default timeouts bound each connection (5 s to start a request, 1 s per read,
    // 3 s per write); the cap bounds how many there are, as a device's sockets and buffers do.
    static CONFIG: picoserve::Config = picoserve::Config::const_default();
    let open = Rc::new(Cell::new(0usize));
    tokio::task::LocalSet::new()
        .run_until(async {
            loop {
                let stream = match listener.accept().await {
                    Ok((stream, _)) => stream,
                    // Out of file descriptors, or a connection reset before it was accepted:
                    // the listener is fine, so wait a moment and go on rather than stop serving.
                    Err(error) => {
                        eprintln!("accept failed: {error}");
                        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                        continue;
                    }
                };
                if open.get() >= MAX_CONNECTIONS {
                    // Closed at once: the connections already open end within the timeouts.
                    drop(stream);
                    continue;
                }
                open.set(open.get() + 1);
                let (app, open) = (app.clone(), open.clone());
                tokio::task::spawn_local(async move {
                    let mut buffer = [0; app::HTTP_BUFFER];
                    let _ = picoserve::Server::new_tokio(&app, &CONFIG, &mut buffer)
                        .serve(stream)
                        .await;
                    open.set(open.get() - 1);
                });
            }
        })
        .await
}
