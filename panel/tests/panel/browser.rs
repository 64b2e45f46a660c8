//! The panel in a real headless Chromium, driven over WebDriver by `chromedriver`.
//!
//! Ignored by default: run with `cargo test -p sigcookie-panel --test panel -- --ignored` on a machine
//! with Debian's `chromium` and `chromium-driver`. Without them the test is skipped, except
//! under `CI=true`, where a missing browser fails it. `CHROMIUM` and `CHROMEDRIVER` override the
//! binaries' paths. On failure each browser's screenshot is saved as
//! `target/panel-browser-failure-{a,b}.png`; `target/panel-status.png` is the status page as a
//! user first sees it (`docs/panel.png` in the README).

use std::error::Error;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;

use crate::support::{Options, Panel};

type TestResult<T = ()> = Result<T, Box<dyn Error>>;

#[tokio::test]
#[ignore = "needs chromium and chromedriver; run with --ignored"]
async fn two_browsers_log_in_change_the_password_log_out_and_log_out_everywhere() {
    let Some((chromium, chromedriver)) = browser_binaries() else {
        let message =
            "chromium or chromedriver not found (apt-get install chromium chromium-driver)";
        assert!(std::env::var("CI").as_deref() != Ok("true"), "{message}");
        eprintln!("skipped: {message}");
        return;
    };
    let panel = Panel::start_with(Options {
        system_clock: true,
        ..Options::default()
    })
    .await;
    let driver = ChromeDriver::spawn(&chromedriver).expect("chromedriver starts");
    let a = driver.session(&chromium, "a").await.expect("browser A");
    let b = driver.session(&chromium, "b").await.expect("browser B");

    let result = two_browsers(&a, &b, panel.addr).await;
    if result.is_err() {
        save_screenshot(&a, "panel-browser-failure-a.png").await;
        save_screenshot(&b, "panel-browser-failure-b.png").await;
    }
    // Close the browsers before the driver goes; a failure here must not hide the test's own.
    let _ = a.close().await;
    let _ = b.close().await;
    drop(driver);
    if let Err(error) = result {
        panic!("browser test failed (screenshots in target/): {error}");
    }
}

const NEW_PASSWORD: &str = "correct horse battery";

async fn two_browsers(a: &Client, b: &Client, addr: SocketAddr) -> TestResult {
    log_in(a, addr, "panel-demo-2024").await?;
    check_cookie(a).await?;
    // The picture in the README: the status page as a user first sees it.
    save_screenshot(a, "panel-status.png").await;
    log_in(b, addr, "panel-demo-2024").await?;

    // A changes the password and stays logged in.
    a.find(Locator::Id("change-password"))
        .await?
        .click()
        .await?;
    a.wait().for_element(Locator::Id("password-form")).await?;
    type_into(a, "current", "panel-demo-2024").await?;
    type_into(a, "new", NEW_PASSWORD).await?;
    type_into(a, "again", NEW_PASSWORD).await?;
    a.find(Locator::Id("change")).await?.click().await?;
    let message = a.wait().for_element(Locator::Id("message")).await?;
    let text = message.text().await?;
    check(
        text.contains("Password changed."),
        format!("A sees {text:?}"),
    )?;
    check(
        a.find(Locator::Id("user")).await.is_ok(),
        "A is still logged in",
    )?;

    // B's session has ended: a page with a way back, and the new password works.
    b.goto(&format!("http://{addr}/status")).await?;
    b.wait()
        .for_element(Locator::Id("login-again"))
        .await?
        .click()
        .await?;
    b.wait().for_element(Locator::Id("login-form")).await?;
    log_in(b, addr, NEW_PASSWORD).await?;

    // B logs out all sessions, after confirming.
    b.find(Locator::Id("logout-everywhere"))
        .await?
        .click()
        .await?;
    b.wait()
        .for_element(Locator::Id("confirm-logout-everywhere"))
        .await?
        .click()
        .await?;
    b.wait().for_element(Locator::Id("login-form")).await?;
    let text = b.find(Locator::Id("message")).await?.text().await?;
    check(
        text.contains("All sessions have been logged out"),
        format!("B sees {text:?}"),
    )?;
    a.goto(&format!("http://{addr}/status")).await?;
    a.wait().for_element(Locator::Id("login-again")).await?;

    // A failed login keeps the user name, and the address bar's page is the login form.
    a.goto(&format!("http://{addr}/login")).await?;
    type_into(a, "user", "admin").await?;
    type_into(a, "password", "wrong password").await?;
    a.find(Locator::Id("login")).await?.click().await?;
    let text = a
        .wait()
        .for_element(Locator::Id("message"))
        .await?
        .text()
        .await?;
    check(
        text.contains("Wrong user name or password."),
        format!("A sees {text:?}"),
    )?;
    let kept = a.find(Locator::Id("user")).await?.prop("value").await?;
    check(
        kept.as_deref() == Some("admin"),
        format!("user name {kept:?}"),
    )?;
    // The labels are bold; what is typed into their inputs is not.
    let weight = a
        .execute(
            "return getComputedStyle(document.getElementById('user')).fontWeight",
            vec![],
        )
        .await?;
    check(
        weight.as_str() == Some("400"),
        format!("typed text has font-weight {weight}"),
    )?;
    a.refresh().await?;
    a.wait().for_element(Locator::Id("login-form")).await?;

    // Logging out says so, removes the cookie and ends the session on the server: a copy of
    // A's cookie, replayed from browser B as a thief would, works before and not after.
    log_in(a, addr, NEW_PASSWORD).await?;
    let stolen = a.get_named_cookie("__Host-panel").await?;
    let mut copy = fantoccini::cookies::Cookie::new("__Host-panel", stolen.value().to_owned());
    copy.set_path("/");
    copy.set_secure(true);
    copy.set_http_only(true);
    // For an IP address the cookie stays host-only, as `__Host-` requires.
    copy.set_domain(addr.ip().to_string());
    b.goto(&format!("http://{addr}/login")).await?;
    b.add_cookie(copy).await?;
    b.goto(&format!("http://{addr}/status")).await?;
    b.wait().for_element(Locator::Id("logout")).await?;
    a.find(Locator::Id("logout")).await?.click().await?;
    let text = a
        .wait()
        .for_element(Locator::Id("message"))
        .await?
        .text()
        .await?;
    check(
        text.contains("You have logged out."),
        format!("A sees {text:?}"),
    )?;
    let left = a.get_all_cookies().await?;
    check(
        left.iter().all(|c| c.name() != "__Host-panel"),
        "logout removed the cookie",
    )?;
    check(
        left.iter().any(|c| c.name() == "__Host-panel-device"),
        "logout keeps the device cookie: it is no session",
    )?;
    b.goto(&format!("http://{addr}/status")).await?;
    b.wait().for_element(Locator::Id("login-again")).await?;
    Ok(())
}

async fn type_into(client: &Client, id: &str, text: &str) -> TestResult {
    let field = client.find(Locator::Id(id)).await?;
    field.clear().await?;
    field.send_keys(text).await?;
    Ok(())
}

/// Logs in from the login page and lands on the status page.
async fn log_in(client: &Client, addr: SocketAddr, password: &str) -> TestResult {
    client.goto(&format!("http://{addr}/")).await?;
    client.wait().for_element(Locator::Id("login-form")).await?;
    type_into(client, "user", "admin").await?;
    type_into(client, "password", password).await?;
    client.find(Locator::Id("login")).await?.click().await?;
    // The login form's own input is `#user` too: wait for what only the status page has, or
    // the login page still on screen would be read as the answer.
    client.wait().for_element(Locator::Id("logout")).await?;
    let text = client.find(Locator::Id("user")).await?.text().await?;
    check(
        text.contains("Signed in as admin"),
        format!("status page says {text:?}"),
    )?;
    check(
        client.current_url().await?.path() == "/status",
        "landed on /status",
    )?;
    Ok(())
}

/// WebDriver sees every cookie; page scripts must not see the session cookie or the device
/// cookie at all (the check of `document.cookie` covers both names).
async fn check_cookie(client: &Client) -> TestResult {
    let cookie = client.get_named_cookie("__Host-panel").await?;
    check(cookie.http_only() == Some(true), "the cookie is HttpOnly")?;
    check(cookie.secure() == Some(true), "the cookie is Secure")?;
    let device = client.get_named_cookie("__Host-panel-device").await?;
    check(
        device.http_only() == Some(true),
        "the device cookie is HttpOnly",
    )?;
    check(device.secure() == Some(true), "the device cookie is Secure")?;
    let visible = client.execute("return document.cookie", vec![]).await?;
    check(
        !visible
            .as_str()
            .unwrap_or_default()
            .contains("__Host-panel"),
        format!("document.cookie shows the session cookie: {visible}"),
    )
}

fn check(ok: bool, what: impl Into<String>) -> TestResult {
    if ok { Ok(()) } else { Err(what.into().into()) }
}

/// Saves a screenshot as `target/<name>`.
async fn save_screenshot(client: &Client, name: &str) {
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        // The workspace's target folder, beside this package's folder.
        || {
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("..")
                .join("target")
        },
        PathBuf::from,
    );
    let path = target.join(name);
    match client.screenshot().await {
        Ok(png) => match std::fs::write(&path, png) {
            Ok(()) => eprintln!("screenshot: {}", path.display()),
            Err(error) => eprintln!("cannot save the screenshot to {}: {error}", path.display()),
        },
        Err(error) => eprintln!("cannot take a screenshot: {error}"),
    }
}

/// Chromium and chromedriver, from `CHROMIUM` / `CHROMEDRIVER` or Debian's paths.
fn browser_binaries() -> Option<(PathBuf, PathBuf)> {
    let find = |var: &str, default: &str| {
        let path = std::env::var_os(var).map_or_else(|| PathBuf::from(default), PathBuf::from);
        path.is_file().then_some(path)
    };
    Some((
        find("CHROMIUM", "/usr/bin/chromium")?,
        find("CHROMEDRIVER", "/usr/bin/chromedriver")?,
    ))
}

/// A chromedriver on a free loopback port, killed when dropped (also when the test panics),
/// with the fresh Chromium profile its sessions use.
struct ChromeDriver {
    process: Child,
    port: u16,
    profile: PathBuf,
}

impl ChromeDriver {
    fn spawn(binary: &Path) -> TestResult<ChromeDriver> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let process = Command::new(binary)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        let profile =
            std::env::temp_dir().join(format!("sigcookie-chromium-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&profile)?;
        let driver = ChromeDriver {
            process,
            port,
            profile,
        };
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Ok(driver);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Err("chromedriver did not listen within 10 s".into())
    }

    /// A browser with a fresh profile of its own, `name`: its own cookies.
    async fn session(&self, chromium: &Path, name: &str) -> TestResult<Client> {
        let profile = self.profile.join(name);
        std::fs::create_dir_all(&profile)?;
        let capabilities = json!({
            "goog:chromeOptions": {
                "binary": chromium,
                // Without the background-networking flags Chromium reaches out to the network at
                // start; the profile is fresh so no earlier run's cookies leak in.
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--disable-dev-shm-usage", "--window-size=900,860",
                    format!("--user-data-dir={}", profile.display()),
                ],
            }
        });
        let serde_json::Value::Object(capabilities) = capabilities else {
            unreachable!("a JSON object literal");
        };
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{}", self.port))
            .await?;
        Ok(client)
    }
}

impl Drop for ChromeDriver {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}
