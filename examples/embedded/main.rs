//! An embedded web panel on picoserve, a `no_std` HTTP server without a heap, with sigcookie's
//! `no_std` API: login, status, logout. Run on the host with picoserve's `tokio` feature:
//!
//! ```text
//! cargo run --example embedded
//! curl -i -c jar -d 'user=admin&password=change-me' http://127.0.0.1:8080/login
//! curl -i -b jar http://127.0.0.1:8080/status
//! curl -i -b jar -X POST http://127.0.0.1:8080/logout
//! ```
//!
//! The request handling is `app.rs`; this file is the host's glue (a tokio listener, the system
//! clock). On a device, the same `app.rs` runs under embassy with `picoserve::Server::new`.

mod app;

use std::rc::Rc;

use picoserve::Router;
use picoserve::routing::{get_service, post_service};
use sigcookie::Key;

fn now() -> u64 {
    sigcookie::unix_now().unwrap_or_default()
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // A device keeps its key in flash, made once at provisioning.
    let key = Key::generate()?;
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
    static CONFIG: picoserve::Config = picoserve::Config::const_default();
    tokio::task::LocalSet::new()
        .run_until(async {
            loop {
                let (stream, _) = listener.accept().await?;
                let app = app.clone();
                tokio::task::spawn_local(async move {
                    let mut buffer = [0; app::HTTP_BUFFER];
                    let _ = picoserve::Server::new_tokio(&app, &CONFIG, &mut buffer)
                        .serve(stream)
                        .await;
                });
            }
        })
        .await
}
