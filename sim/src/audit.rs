//! The record of every write a client sent to the simulated cluster (POST, PUT, PATCH,
//! DELETE on the Kubernetes API, not the `/_sim/` admin API nor Prometheus queries), so a
//! test can check that nothing was written — the read-only mode's outside check.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;

/// Shared, cloneable list of "METHOD path" lines, and counts of every Kubernetes API
/// request by kind (what a client costs the API server: the at-scale bench reads them).
#[derive(Debug, Clone, Default)]
pub struct Audit {
    writes: Arc<Mutex<Vec<String>>>,
    counts: Arc<[AtomicU64; 3]>,
}

/// Kubernetes API requests so far: watches opened, other reads (lists, gets, discovery),
/// writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct RequestCounts {
    pub watches: u64,
    pub reads: u64,
    pub writes: u64,
}

impl Audit {
    /// Every client write so far, oldest first.
    pub fn writes(&self) -> Vec<String> {
        self.writes.lock().map(|w| w.clone()).unwrap_or_default()
    }

    pub fn request_counts(&self) -> RequestCounts {
        let n = |i: usize| self.counts[i].load(Ordering::Relaxed);
        RequestCounts {
            watches: n(0),
            reads: n(1),
            writes: n(2),
        }
    }

    fn count(&self, i: usize) {
        self.counts[i].fetch_add(1, Ordering::Relaxed);
    }

    fn record(&self, line: String) {
        if let Ok(mut w) = self.writes.lock() {
            if w.len() < 10_000 {
                w.push(line);
            }
        }
    }
}

/// True for a request that changes the cluster.
pub fn is_cluster_write(method: &Method, path: &str) -> bool {
    let writes = matches!(
        *method,
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    );
    let kube_api = path.starts_with("/api/") || path.starts_with("/apis/");
    let prometheus = path.contains("/proxy/api/v1/") || path.starts_with("/api/v1/query");
    let self_review =
        path.contains("/selfsubjectaccessreviews") || path.contains("/selfsubjectrulesreviews");
    writes && kube_api && !prometheus && !self_review
}

/// axum middleware: records client writes and counts Kubernetes API requests, then passes
/// the request on.
pub async fn record_writes(State(audit): State<Audit>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    if is_cluster_write(request.method(), path) {
        audit.count(2);
        audit.record(format!("{} {}", request.method(), request.uri()));
    } else if is_kube_read(request.method(), path) {
        let query = request.uri().query().unwrap_or("");
        let watch = query
            .split('&')
            .any(|kv| kv == "watch=true" || kv == "watch=1");
        audit.count(if watch { 0 } else { 1 });
    }
    next.run(request).await
}

fn is_kube_read(method: &Method, path: &str) -> bool {
    let kube_api = path == "/api"
        || path == "/apis"
        || path.starts_with("/api/")
        || path.starts_with("/apis/");
    let prometheus = path.contains("/proxy/") || path.starts_with("/api/v1/query");
    *method == Method::GET && kube_api && !prometheus
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_writes() {
        assert!(is_cluster_write(
            &Method::PATCH,
            "/apis/apps/v1/namespaces/x/deployments/d/scale"
        ));
        assert!(is_cluster_write(
            &Method::DELETE,
            "/api/v1/namespaces/x/pods/p"
        ));
        assert!(!is_cluster_write(&Method::GET, "/api/v1/namespaces/x/pods"));
        assert!(!is_cluster_write(&Method::POST, "/api/v1/query"));
        assert!(!is_cluster_write(
            &Method::POST,
            "/api/v1/namespaces/monitoring-system/services/prometheus:9090/proxy/api/v1/query"
        ));
        assert!(!is_cluster_write(
            &Method::POST,
            "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"
        ));
        assert!(!is_cluster_write(&Method::POST, "/_sim/drop-watches"));
    }
}
