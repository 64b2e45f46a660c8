//! The panel in a real headless Chromium, driven over WebDriver by `chromedriver`.
//!
//! Ignored by default: run with `cargo test --test panel -- --ignored` on a machine
//! with Debian's `chromium` and `chromium-driver`. Without them the test is skipped, except
//! under `CI=true`, where a missing browser fails it. `CHROMIUM` and `CHROMEDRIVER` override the
//! binaries' paths. On failure a screenshot is saved as `target/panel-browser-failure.png`.

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
async fn login_status_and_logout_in_chromium() {
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
    let client = driver.session(&chromium).await.expect("a Chromium session");

    let result = login_and_logout(&client, panel.addr).await;
    if result.is_err() {
        save_screenshot(&client).await;
    }
    // Close the browser before the driver goes; a failure here must not hide the test's own.
    let _ = client.close().await;
    drop(driver);
    if let Err(error) = result {
        panic!("browser test failed (screenshot in target/): {error}");
    }
}

async fn login_and_logout(client: &Client, addr: SocketAddr) -> TestResult {
    client.goto(&format!("http://{addr}/")).await?;
    client.wait().for_element(Locator::Id("login-form")).await?;
    client
        .find(Locator::Id("username"))
        .await?
        .send_keys("admin")
        .await?;
    client
        .find(Locator::Id("password"))
        .await?
        .send_keys("panel-demo-2024")
        .await?;
    client.find(Locator::Id("login")).await?.click().await?;

    let user = client.wait().for_element(Locator::Id("user")).await?;
    let text = user.text().await?;
    check(
        text.contains("Signed in as admin"),
        format!("status page says {text:?}"),
    )?;
    check(
        client.current_url().await?.path() == "/status",
        "landed on /status",
    )?;

    // WebDriver sees every cookie; page scripts must not see the session cookie at all.
    let cookie = client.get_named_cookie("__Host-panel").await?;
    check(cookie.http_only() == Some(true), "the cookie is HttpOnly")?;
    check(cookie.secure() == Some(true), "the cookie is Secure")?;
    let visible = client.execute("return document.cookie", vec![]).await?;
    check(
        !visible
            .as_str()
            .unwrap_or_default()
            .contains("__Host-panel"),
        format!("document.cookie shows the session cookie: {visible}"),
    )?;

    client.find(Locator::Id("logout")).await?.click().await?;
    client.wait().for_element(Locator::Id("login-form")).await?;
    let left = client.get_all_cookies().await?;
    check(
        left.iter().all(|c| c.name() != "__Host-panel"),
        "logout removed the cookie",
    )?;
    client.goto(&format!("http://{addr}/status")).await?;
    client.wait().for_element(Locator::Id("login-form")).await?;
    Ok(())
}

fn check(ok: bool, what: impl Into<String>) -> TestResult {
    if ok { Ok(()) } else { Err(what.into().into()) }
}

async fn save_screenshot(client: &Client) {
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("target"),
        PathBuf::from,
    );
    let path = target.join("panel-browser-failure.png");
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

    async fn session(&self, chromium: &Path) -> TestResult<Client> {
        let capabilities = json!({
            "goog:chromeOptions": {
                "binary": chromium,
                // Without the background-networking flags Chromium reaches out to the network at
                // start; the profile is fresh so no earlier run's cookies leak in.
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--disable-dev-shm-usage", "--window-size=1024,768",
                    format!("--user-data-dir={}", self.profile.display()),
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
