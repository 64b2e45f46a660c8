//! The panel example over real HTTP on loopback, and in a real browser.

#[path = "../../examples/panel/app.rs"]
#[allow(dead_code, reason = "the example's binary uses what the tests do not")]
mod app;
mod browser;
mod http;
mod support;
