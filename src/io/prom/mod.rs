//! The Prometheus HTTP API client (reqwest) and the KPI poller.
//!
//! Prometheus is reached at a base URL: directly ("http://127.0.0.1:9090") or through the
//! Kubernetes API server's service proxy
//! (".../api/v1/namespaces/monitoring-system/services/prometheus:9090/proxy") with the kube
//! client's token and CA.

pub mod json;
pub mod poller;

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use jiff::Timestamp;

pub use json::{BuildInfo, PromAlert, PromPoint, PromSample, PromSeries, QueryResult};
pub use poller::spawn_poller;

/// Where Prometheus is and how to authenticate.
#[derive(Debug, Clone)]
pub struct PromConfig {
    pub base_url: String,
    pub bearer_token: Option<String>,
    pub basic_auth: Option<(String, String)>,
    /// A PEM file of CA certificates to trust (in addition to the built-in roots).
    pub ca_file: Option<PathBuf>,
    /// PEM CA certificates given in memory (e.g. the kube config's CA).
    pub ca_pem: Option<Vec<u8>>,
    /// Accept any server certificate (the kube config's insecure-skip-tls-verify).
    pub insecure: bool,
    pub timeout: Duration,
}

impl PromConfig {
    /// The URL of a Service's port through the Kubernetes API server's service proxy (as
    /// Lens reaches Prometheus): `{cluster}/api/v1/namespaces/{ns}/services/{name}:{port}/proxy`.
    pub fn service_proxy_url(
        cluster_url: &str,
        namespace: &str,
        service: &str,
        port: u16,
    ) -> String {
        format!(
            "{}/api/v1/namespaces/{namespace}/services/{service}:{port}/proxy",
            cluster_url.trim_end_matches('/')
        )
    }

    /// A plain config for `base_url` with a 10 s timeout.
    pub fn new(base_url: impl Into<String>) -> Self {
        PromConfig {
            base_url: base_url.into(),
            bearer_token: None,
            basic_auth: None,
            ca_file: None,
            ca_pem: None,
            insecure: false,
            timeout: Duration::from_secs(10),
        }
    }
}

/// What went wrong talking to Prometheus; `Display` is one line.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PromError {
    /// Prometheus answered with `{"status":"error"}`.
    #[error("{error_type}: {error}")]
    Api { error_type: String, error: String },
    /// Not Prometheus JSON (a proxy's or a 404 page): the status and the body's first line.
    #[error("HTTP {status}: {body}")]
    Http { status: u16, body: String },
    #[error("timed out after {0:?}")]
    Timeout(Duration),
    #[error("cannot connect: {0}")]
    Connect(String),
    #[error("bad answer: {0}")]
    Decode(String),
}

impl PromError {
    /// True when Prometheus could not be reached or did not answer (as opposed to an
    /// answer that says the query is wrong).
    pub fn is_unreachable(&self) -> bool {
        match self {
            PromError::Timeout(_) | PromError::Connect(_) => true,
            PromError::Http { status, .. } => *status >= 500 || *status == 404,
            PromError::Api { .. } | PromError::Decode(_) => false,
        }
    }
}

#[derive(Debug, Clone)]
pub struct PromClient {
    http: reqwest::Client,
    base: String,
    cfg: PromConfig,
}

impl PromClient {
    pub fn new(cfg: PromConfig) -> anyhow::Result<PromClient> {
        let mut builder = reqwest::Client::builder()
            .timeout(cfg.timeout)
            .connect_timeout(cfg.timeout);
        let mut certs = Vec::new();
        if let Some(path) = &cfg.ca_file {
            let pem = std::fs::read(path)
                .with_context(|| format!("reading the CA file {}", path.display()))?;
            certs.extend(
                reqwest::Certificate::from_pem_bundle(&pem)
                    .with_context(|| format!("{}: not PEM certificates", path.display()))?,
            );
        }
        if let Some(pem) = &cfg.ca_pem {
            certs.extend(reqwest::Certificate::from_pem_bundle(pem).context("the CA is not PEM")?);
        }
        if !certs.is_empty() {
            builder = builder.tls_certs_merge(certs);
        }
        if cfg.insecure {
            builder = builder.tls_danger_accept_invalid_certs(true);
        }
        let http = builder.build().context("building the HTTP client")?;
        let base = cfg.base_url.trim_end_matches('/').to_string();
        reqwest::Url::parse(&base).with_context(|| format!("bad Prometheus URL {base:?}"))?;
        Ok(PromClient { http, base, cfg })
    }

    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// An instant query at `at` (Prometheus' now when `None`).
    pub async fn instant(
        &self,
        query: &str,
        at: Option<Timestamp>,
    ) -> Result<QueryResult, PromError> {
        let mut params = vec![("query", query.to_string())];
        if let Some(at) = at {
            params.push(("time", secs(at)));
        }
        let data = self.get("/api/v1/query", &params).await?;
        json::query_result(&data)
    }

    /// A range query from `start` to `end` every `step`.
    pub async fn range(
        &self,
        query: &str,
        start: Timestamp,
        end: Timestamp,
        step: Duration,
    ) -> Result<QueryResult, PromError> {
        let params = [
            ("query", query.to_string()),
            ("start", secs(start)),
            ("end", secs(end)),
            ("step", format!("{}", step.as_secs_f64().max(0.001))),
        ];
        let data = self.get("/api/v1/query_range", &params).await?;
        json::query_result(&data)
    }

    /// The alerts firing or pending.
    pub async fn alerts(&self) -> Result<Vec<PromAlert>, PromError> {
        let data = self.get("/api/v1/alerts", &[]).await?;
        let alerts = data.get("alerts").cloned().unwrap_or_default();
        serde_json::from_value(alerts).map_err(|e| PromError::Decode(e.to_string()))
    }

    pub async fn buildinfo(&self) -> Result<BuildInfo, PromError> {
        let data = self.get("/api/v1/status/buildinfo", &[]).await?;
        serde_json::from_value(data).map_err(|e| PromError::Decode(e.to_string()))
    }

    async fn get(
        &self,
        path: &str,
        params: &[(&str, String)],
    ) -> Result<serde_json::Value, PromError> {
        let mut req = self.http.get(format!("{}{path}", self.base)).query(params);
        if let Some(token) = &self.cfg.bearer_token {
            req = req.bearer_auth(token);
        }
        if let Some((user, pass)) = &self.cfg.basic_auth {
            req = req.basic_auth(user, Some(pass));
        }
        let resp = req.send().await.map_err(|e| self.transport(e))?;
        let status = resp.status().as_u16();
        let body = resp.text().await.map_err(|e| self.transport(e))?;
        json::data_of(status, &body)
    }

    fn transport(&self, e: reqwest::Error) -> PromError {
        if e.is_timeout() {
            PromError::Timeout(self.cfg.timeout)
        } else if e.is_connect() {
            PromError::Connect(format!("{}: {}", self.base, root_cause(&e)))
        } else {
            PromError::Connect(root_cause(&e))
        }
    }
}

/// The innermost error message ("Connection refused (os error 111)").
fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}

fn secs(t: Timestamp) -> String {
    format!("{:.3}", t.as_millisecond() as f64 / 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A server whose buildinfo "version" is the Authorization header it received.
    async fn echo_auth() -> String {
        use axum::http::HeaderMap;
        let app = axum::Router::new().route(
            "/prom/api/v1/status/buildinfo",
            axum::routing::get(|h: HeaderMap| async move {
                let auth = h
                    .get("authorization")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("none")
                    .to_string();
                axum::Json(serde_json::json!({"status": "success", "data": {"version": auth}}))
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/prom/", listener.local_addr().unwrap());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        url
    }

    #[tokio::test]
    async fn bearer_token_and_basic_auth_are_sent() {
        let url = echo_auth().await;
        let mut cfg = PromConfig::new(&url);
        cfg.bearer_token = Some("s3cret".into());
        assert_eq!(
            PromClient::new(cfg)
                .unwrap()
                .buildinfo()
                .await
                .unwrap()
                .version,
            "Bearer s3cret"
        );
        let mut cfg = PromConfig::new(&url);
        cfg.basic_auth = Some(("admin".into(), "pw".into()));
        // base64("admin:pw")
        assert_eq!(
            PromClient::new(cfg)
                .unwrap()
                .buildinfo()
                .await
                .unwrap()
                .version,
            "Basic YWRtaW46cHc="
        );
        let plain = PromClient::new(PromConfig::new(&url)).unwrap();
        assert_eq!(plain.buildinfo().await.unwrap().version, "none");
    }

    #[test]
    fn service_proxy_url_as_lens_builds_it() {
        assert_eq!(
            PromConfig::service_proxy_url("https://10.0.0.1:6443/", "monitoring-system", "prometheus", 9090),
            "https://10.0.0.1:6443/api/v1/namespaces/monitoring-system/services/prometheus:9090/proxy"
        );
    }

    #[test]
    fn bad_urls_and_ca_files_are_refused_with_a_reason() {
        let e = PromClient::new(PromConfig::new("not a url")).unwrap_err();
        assert!(format!("{e:#}").contains("bad Prometheus URL"), "{e:#}");
        let mut cfg = PromConfig::new("https://127.0.0.1:1");
        cfg.ca_file = Some("/nonexistent/ca.pem".into());
        let e = PromClient::new(cfg).unwrap_err();
        assert!(format!("{e:#}").contains("/nonexistent/ca.pem"), "{e:#}");
        let mut cfg = PromConfig::new("https://127.0.0.1:1");
        cfg.ca_pem = Some(b"not pem".to_vec());
        cfg.insecure = true;
        cfg.bearer_token = Some("t".into());
        cfg.basic_auth = Some(("u".into(), "p".into()));
        // garbage without a PEM block parses as no certificates; the client still builds
        let _ = PromClient::new(cfg);
    }
}
