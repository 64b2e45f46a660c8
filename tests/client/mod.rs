//! A real HTTP client for the integration tests: hyper-util's legacy client over loopback.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::time::Duration;

use http_body_util::BodyExt;
use hyper::Request;
use hyper::header::{COOKIE, SET_COOKIE};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

/// What a test looks at in a response.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub set_cookies: Vec<String>,
    pub body: String,
    /// Every header, `Set-Cookie` included.
    pub headers: hyper::HeaderMap,
}

impl Reply {
    /// The values of the header `name`, one per field line.
    pub fn header(&self, name: &str) -> Vec<&str> {
        let values = self.headers.get_all(name).iter();
        values.map(|v| v.to_str().expect("ASCII")).collect()
    }
}

/// Sends `method path` to `addr`, with one `Cookie:` header per entry of `cookies`.
pub async fn send(addr: SocketAddr, method: &str, path: &str, cookies: &[&str]) -> Reply {
    send_body(addr, method, path, cookies, "").await
}

/// As [`send`], with a form as the body.
pub async fn send_body(
    addr: SocketAddr,
    method: &str,
    path: &str,
    cookies: &[&str],
    form: &str,
) -> Reply {
    let headers: Vec<_> = cookies.iter().map(|c| (COOKIE.as_str(), *c)).collect();
    send_headers(addr, method, path, &headers, form).await
}

/// As [`send_body`], with any headers (`Cookie:` ones among them).
pub async fn send_headers(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    form: &str,
) -> Reply {
    let client = Client::builder(TokioExecutor::new()).build_http::<String>();
    let mut request = Request::builder()
        .method(method)
        .uri(format!("http://{addr}{path}"));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    if !form.is_empty() {
        request = request.header("content-type", "application/x-www-form-urlencoded");
    }
    let request = request.body(form.to_owned()).expect("a request");
    let exchange = async {
        let response = client.request(request).await.expect("an HTTP response");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let set_cookies = response
            .headers()
            .get_all(SET_COOKIE)
            .iter()
            .map(|v| v.to_str().expect("ASCII").to_owned())
            .collect();
        let body = response
            .into_body()
            .collect()
            .await
            .expect("a body")
            .to_bytes();
        Reply {
            status,
            set_cookies,
            body: String::from_utf8(body.to_vec()).expect("UTF-8"),
            headers,
        }
    };
    tokio::time::timeout(Duration::from_secs(30), exchange)
        .await
        .expect("an answer within 30 s")
}

/// `GET path` with the given `Cookie:` headers.
pub async fn get(addr: SocketAddr, path: &str, cookies: &[&str]) -> Reply {
    send(addr, "GET", path, cookies).await
}

/// The `name=value` pair of a `Set-Cookie` header, as a browser sends it back.
pub fn pair(set_cookie: &str) -> &str {
    set_cookie.split(';').next().expect("a pair")
}
