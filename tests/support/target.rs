//! A scrape target with KubeChat's metrics whose rates the test controls. Counters are
//! integrated at each scrape; every scrape is also recorded into a simulator `Tsdb`.

use std::fmt::Write;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::routing::get;
use axum::Router;
use jiff::Timestamp;
use kubechat_sim::promql::{router_for, QuerySource, Tsdb};
use kubechat_sim::traffic::Series;

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Phase {
    /// 1200 req/s, 0.05 % 5xx, p95 ≈ 0.4 s.
    Healthy,
    /// A bad canary: 8 % 5xx, slow responses.
    ErrorSpike,
}

const PODS: [&str; 2] = ["kubechat-api-gateway-blue-0", "kubechat-api-gateway-blue-1"];
const LE: [&str; 7] = ["0.05", "0.1", "0.25", "0.5", "1", "2.5", "+Inf"];

impl Phase {
    fn error_share(self) -> f64 {
        match self {
            Phase::Healthy => 0.0005,
            Phase::ErrorSpike => 0.08,
        }
    }
    /// Cumulative share of requests at or under each bucket bound.
    fn latency(self) -> [f64; 7] {
        match self {
            Phase::Healthy => [0.3, 0.6, 0.85, 0.97, 0.995, 1.0, 1.0],
            Phase::ErrorSpike => [0.1, 0.3, 0.5, 0.7, 0.85, 0.97, 1.0],
        }
    }
}

#[derive(Debug)]
struct Counters {
    phase: Phase,
    last: Option<Timestamp>,
    ok: f64,
    errors: f64,
    buckets: [f64; 7],
    cpu_seconds: f64,
    auth_failures: f64,
    rbac_forbidden: f64,
    api_requests: f64,
}

impl Counters {
    fn advance(&mut self, now: Timestamp) {
        let dt = self
            .last
            .map(|l| now.duration_since(l).as_secs_f64().max(0.0))
            .unwrap_or(0.0);
        self.last = Some(now);
        let per_pod = 600.0 * dt;
        let err = per_pod * self.phase.error_share();
        self.ok += per_pod - err;
        self.errors += err;
        for (b, share) in self.buckets.iter_mut().zip(self.phase.latency()) {
            *b += per_pod * share;
        }
        self.cpu_seconds += 0.4 * dt;
        self.auth_failures += 0.05 * dt;
        self.rbac_forbidden += 0.01 * dt;
        self.api_requests += 1300.0 * dt;
    }

    fn series(&self) -> Vec<Series> {
        let s = |name: &str, labels: &[(&str, &str)], value: f64| Series {
            name: name.into(),
            labels: labels
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            value,
        };
        let mut out = Vec::new();
        for pod in PODS {
            let base = [
                ("job", "kubechat-api-gateway"),
                ("service", "kubechat-api-gateway"),
                ("namespace", "kubechat-system"),
                ("pod", pod),
            ];
            let with = |extra: (&'static str, &'static str)| {
                let mut l = base.to_vec();
                l.push(extra);
                l
            };
            out.push(s("http_requests_total", &with(("code", "200")), self.ok));
            out.push(s(
                "http_requests_total",
                &with(("code", "503")),
                self.errors,
            ));
            for (le, v) in LE.iter().zip(self.buckets) {
                out.push(s(
                    "http_request_duration_seconds_bucket",
                    &with(("le", le)),
                    v,
                ));
            }
            out.push(s("up", &base, 1.0));
            let c = [
                ("namespace", "kubechat-system"),
                ("pod", pod),
                ("container", "api-gateway"),
            ];
            out.push(s("container_cpu_usage_seconds_total", &c, self.cpu_seconds));
            out.push(s("container_spec_cpu_quota", &c, 100_000.0));
            out.push(s(
                "container_memory_usage_bytes",
                &c,
                300.0 * 1024.0 * 1024.0,
            ));
            out.push(s(
                "container_spec_memory_limit_bytes",
                &c,
                512.0 * 1024.0 * 1024.0,
            ));
        }
        let fs = [("instance", "node-1"), ("mountpoint", "/")];
        out.push(s("node_filesystem_avail_bytes", &fs, 60e9));
        out.push(s("node_filesystem_size_bytes", &fs, 100e9));
        out.push(s(
            "probe_duration_seconds",
            &[("instance", "kubechat-api-gateway")],
            0.042,
        ));
        out.push(s("kubechat_auth_failures_total", &[], self.auth_failures));
        out.push(s(
            "kubechat_rbac_denials_total",
            &[("reason", "forbidden")],
            self.rbac_forbidden,
        ));
        out.push(s("kubechat_api_requests_total", &[], self.api_requests));
        out
    }
}

#[derive(Clone)]
struct Shared {
    counters: Arc<Mutex<Counters>>,
    tsdb: Arc<Tsdb>,
}

pub struct Target {
    addr: SocketAddr,
    shared: Shared,
    task: tokio::task::JoinHandle<()>,
}

fn exposition(series: &[Series]) -> String {
    let mut text = String::new();
    for s in series {
        let labels: Vec<String> = s
            .labels
            .iter()
            .map(|(k, v)| format!("{k}=\"{v}\""))
            .collect();
        let _ = writeln!(text, "{}{{{}}} {}", s.name, labels.join(","), s.value);
    }
    text
}

async fn metrics(State(shared): State<Shared>) -> String {
    let now = Timestamp::now();
    let series = {
        let Ok(mut c) = shared.counters.lock() else {
            return String::new();
        };
        c.advance(now);
        c.series()
    };
    shared.tsdb.record(now, &series);
    exposition(&series)
}

impl Target {
    /// Serves on a free loopback port. Not being able to bind is a failure, not a skip.
    pub async fn start(phase: Phase) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("the listener's address");
        let shared = Shared {
            counters: Arc::new(Mutex::new(Counters {
                phase,
                last: None,
                ok: 0.0,
                errors: 0.0,
                buckets: [0.0; 7],
                cpu_seconds: 0.0,
                auth_failures: 0.0,
                rbac_forbidden: 0.0,
                api_requests: 0.0,
            })),
            tsdb: Arc::new(Tsdb::default()),
        };
        let app = Router::new()
            .route("/metrics", get(metrics))
            .with_state(shared.clone());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Target { addr, shared, task }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn tsdb(&self) -> Arc<Tsdb> {
        self.shared.tsdb.clone()
    }

    pub fn set_phase(&self, phase: Phase) {
        if let Ok(mut c) = self.shared.counters.lock() {
            c.phase = phase;
        }
    }
}

impl Drop for Target {
    fn drop(&mut self) {
        self.task.abort();
    }
}

struct SimSource {
    db: Arc<Tsdb>,
}

impl QuerySource for SimSource {
    fn tsdb(&self) -> &Tsdb {
        &self.db
    }
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

/// The simulator's query API over the samples the target served.
pub async fn serve_sim_api(db: Arc<Tsdb>) -> (String, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let app = router_for(Arc::new(SimSource { db }));
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (url, task)
}
