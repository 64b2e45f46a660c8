//! The panel example over real HTTP on loopback, as a child process under attack, across
//! restarts and instances, and in a real browser.

// The example's own files, so the tests serve exactly the router, server loop and throttle
// that `cargo run --example panel` does.
#[path = "../../examples/panel/app.rs"]
#[allow(dead_code, reason = "the example's binary uses what the tests do not")]
mod app;
#[path = "../../examples/panel/device.rs"]
mod device;
#[path = "../../examples/panel/pages.rs"]
mod pages;
#[path = "../../examples/panel/password.rs"]
mod password;
#[path = "../../examples/panel/redis_passwords.rs"]
#[allow(dead_code, reason = "the example's binary uses what the tests do not")]
mod redis_passwords;
#[path = "../../examples/panel/server.rs"]
mod server;
#[path = "../../examples/panel/throttle.rs"]
#[allow(dead_code, reason = "the example's binary uses what the tests do not")]
mod throttle;
#[path = "../../examples/panel/users.rs"]
#[allow(dead_code, reason = "the example's binary uses what the tests do not")]
mod users;

mod attack;
mod browser;
mod devices;
mod http;
mod instances;
mod state;
mod support;
