//! Waiting on a condition with a bounded deadline, and a Prometheus API client.

use std::time::{Duration, Instant};

use kubechat_ops::io::prom::{PromClient, PromConfig};

pub fn client(url: &str, timeout: Duration) -> PromClient {
    let mut cfg = PromConfig::new(url);
    cfg.timeout = timeout;
    PromClient::new(cfg).expect("client")
}

/// Polls `f` until it yields, or panics naming `what` after `secs`.
pub async fn eventually<T, F, Fut>(what: &str, secs: u64, mut f: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(v) = f().await {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
