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
#[path = "../../src/redis_passwords.rs"]
#[allow(dead_code, reason = "the panel's binary uses what the tests do not")]
mod redis_passwords;
#[path = "../../src/server.rs"]
mod server;
#[path = "../../src/throttle.rs"]
#[allow(dead_code, reason = "the panel's binary uses what the tests do not")]
mod throttle;
#[path = "../../src/users.rs"]
#[allow(dead_code, reason = "the panel's binary uses what the tests do not")]
mod users;

mod attack;
mod browser;
mod devices;
mod http;
mod instances;
mod state;
mod support;
