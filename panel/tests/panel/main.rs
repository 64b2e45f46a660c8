//! The panel over real HTTP on loopback, as a child process under attack, across
//! restarts and instances, and in a real browser.

// The example's own files, so the tests serve exactly the router, server loop and throttle
// that `cargo run -p sigcookie-panel` does.
#[path = "../../src/app.rs"]
#[allow(dead_code, reason = "the panel's binary uses what the tests do not")]
mod app;
#[path = "../../src/device.rs"]
mod device;
#[path = "../../src/pages.rs"]
mod pages;
#[path = "../../src/password.rs"]
mod password;
#[path = "../../src/postgres_passwords.rs"]
#[allow(dead_code, reason = "the panel's binary uses what the tests do not")]
mod postgres_passwords;
#[path = "../../src/redis_passwords.rs"]
#[allow(dead_code, reason = "the panel's binary uses what the tests do not")]
mod redis_passwords;
#[path = "../../src/server.rs"]
mod server;
#[path = "../../src/shared.rs"]
#[allow(dead_code, reason = "the panel's binary uses what the tests do not")]
mod shared;
#[path = "../../src/throttle.rs"]
#[allow(dead_code, reason = "the panel's binary uses what the tests do not")]
mod throttle;
#[path = "../../src/users.rs"]
#[allow(dead_code, reason = "the panel's binary uses what the tests do not")]
mod users;

/// The root crate's PostgreSQL of a test's own, shared rather than copied.
#[path = "../../../tests/common"]
#[allow(dead_code, reason = "the root crate's tests use what these do not")]
mod common {
    pub mod postgres;
    pub mod servers;
}

mod attack;
mod browser;
mod devices;
mod http;
mod instances;
mod shared_postgres;
mod state;
mod support;
