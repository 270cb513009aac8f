//! The KPI parts against a REAL Prometheus (Debian's /usr/bin/prometheus) on loopback,
//! scraping a small metrics server every second.
//!
//! Until the simulator's `/metrics` is merged, the target is served here: counters whose
//! rates the test controls (healthy, or a bad-canary error spike). Every scrape is also
//! recorded into a simulator `Tsdb`, so the simulator's query API sees exactly the samples
//! Prometheus stored — the differential test compares the two engines on every default KPI.

use std::sync::Arc;
use std::time::{Duration, Instant};

use jiff::Timestamp;
use kubechat_ops::io::prom::poller::kpi_value;
use kubechat_ops::io::prom::{spawn_poller, PromClient, PromConfig, PromError, QueryResult};
use kubechat_ops::kpi::check::{self, CheckArgs, CheckFormat};
use kubechat_ops::kpi::defs::builtin;
use kubechat_ops::kpi::{KpiBoard, KpiState};
use kubechat_ops::msg::Msg;
use kubechat_ops::sim::promql::{router_for, QuerySource, Tsdb};

mod support {
    pub mod prometheus;
    pub mod target;
}
use support::prometheus::Prometheus;
use support::target::{Phase, Target};

/// The stated tolerance between the simulator's engine and Prometheus: 1 % relative, or
/// 1e-6 absolute for values near zero.
fn agree(a: f64, b: f64) -> bool {
    (a - b).abs() <= 0.01 * a.abs().max(b.abs()) + 1e-6
}

fn client(url: &str, timeout: Duration) -> PromClient {
    let mut cfg = PromConfig::new(url);
    cfg.timeout = timeout;
    PromClient::new(cfg).expect("client")
}

/// Polls `f` until it yields, or panics naming `what` after `secs`.
async fn eventually<T, F, Fut>(what: &str, secs: u64, mut f: F) -> T
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
async fn serve_sim_api(db: Arc<Tsdb>) -> (String, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let app = router_for(Arc::new(SimSource { db }));
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (url, task)
}

/// Waits until Prometheus has at least two scrapes of the target (so rates exist).
async fn wait_for_rates(prom: &PromClient) {
    eventually("a rate from Prometheus", 60, || async {
        match prom
            .instant("sum(rate(http_requests_total[5m]))", None)
            .await
        {
            Ok(QueryResult::Vector(v)) if !v.is_empty() => Some(()),
            _ => None,
        }
    })
    .await
}

#[tokio::test]
async fn client_speaks_to_the_real_prometheus() {
    let Some(target) = Target::start(Phase::Healthy).await else {
        return;
    };
    let Some(prometheus) = Prometheus::start(target.addr()) else {
        return;
    };
    let prom = client(&prometheus.url(), Duration::from_secs(5));
    prometheus.wait_ready().await;
    wait_for_rates(&prom).await;

    let info = prom.buildinfo().await.expect("buildinfo");
    assert!(
        info.version.starts_with('2') || info.version.starts_with('3'),
        "{info:?}"
    );

    let QueryResult::Vector(v) = prom
        .instant("up{job=\"kubechat-api-gateway\"}", None)
        .await
        .unwrap()
    else {
        panic!("not a vector")
    };
    assert_eq!(v.len(), 2, "{v:?}");
    assert!(v.iter().all(|s| s.point.v == 1.0));
    let QueryResult::Scalar(s) = prom.instant("1/0", None).await.unwrap() else {
        panic!()
    };
    assert_eq!(s.v, f64::INFINITY);
    let QueryResult::Scalar(s) = prom.instant("0/0", None).await.unwrap() else {
        panic!()
    };
    assert!(s.v.is_nan());

    let end = Timestamp::now();
    let start = end - jiff::SignedDuration::from_secs(10);
    let QueryResult::Matrix(m) = prom
        .range(
            "sum(http_requests_total)",
            start,
            end,
            Duration::from_secs(1),
        )
        .await
        .unwrap()
    else {
        panic!("not a matrix")
    };
    assert_eq!(m.len(), 1);
    assert!(m[0].points.len() >= 2, "{m:?}");

    let e = prom.instant("sum(rate(x[5m])", None).await.unwrap_err();
    let PromError::Api { error_type, error } = &e else {
        panic!("{e:?}")
    };
    assert_eq!(error_type, "bad_data");
    assert!(error.starts_with("invalid parameter \"query\""), "{error}");
    // the simulator words the same mistake the same way
    let (sim_url, sim_task) = serve_sim_api(target.tsdb()).await;
    let sim = client(&sim_url, Duration::from_secs(5));
    let PromError::Api {
        error_type: sim_type,
        error: sim_error,
    } = sim.instant("sum(rate(x[5m])", None).await.unwrap_err()
    else {
        panic!()
    };
    assert_eq!(sim_type, "bad_data");
    assert!(
        sim_error.starts_with("invalid parameter \"query\""),
        "{sim_error}"
    );

    let e = client(
        &format!("{}/not-prometheus", prometheus.url()),
        Duration::from_secs(5),
    )
    .instant("up", None)
    .await
    .unwrap_err();
    assert!(matches!(e, PromError::Http { status: 404, .. }), "{e:?}");
    sim_task.abort();
}

#[tokio::test]
async fn a_server_that_never_answers_times_out() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let hold = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((sock, _)) = listener.accept().await {
            held.push(sock);
        }
    });
    let e = client(&url, Duration::from_millis(300))
        .instant("up", None)
        .await
        .unwrap_err();
    assert_eq!(e, PromError::Timeout(Duration::from_millis(300)));
    assert!(e.is_unreachable());
    hold.abort();
}

/// Every default KPI, at one instant, from Prometheus and from the simulator's engine.
async fn compare_all(prom: &PromClient, sim: &PromClient, target: &Target, phase: &str) {
    // evaluate between two scrapes, so both engines hold the same samples
    let at = target.last_scrape() + jiff::SignedDuration::from_millis(500);
    for def in builtin() {
        let real = prom.instant(&def.query, Some(at)).await;
        let ours = sim.instant(&def.query, Some(at)).await;
        let real = kpi_value(
            &def,
            &real.unwrap_or_else(|e| panic!("{phase} {}: prometheus: {e}", def.id)),
        );
        let ours = kpi_value(
            &def,
            &ours.unwrap_or_else(|e| panic!("{phase} {}: simulator: {e}", def.id)),
        );
        let (Some(real), Some(ours)) = (real, ours) else {
            panic!(
                "{phase} {}: prometheus {real:?} vs simulator {ours:?}",
                def.id
            )
        };
        assert!(
            agree(real, ours),
            "{phase} {}: prometheus {real} vs simulator {ours}",
            def.id
        );
        println!(
            "{phase:8} {:18} prometheus {real:<14.6} simulator {ours:<14.6}",
            def.id
        );
    }
}

#[tokio::test]
async fn simulator_engine_agrees_with_prometheus_healthy_and_during_an_error_spike() {
    let Some(target) = Target::start(Phase::Healthy).await else {
        return;
    };
    let Some(prometheus) = Prometheus::start(target.addr()) else {
        return;
    };
    let prom = client(&prometheus.url(), Duration::from_secs(5));
    prometheus.wait_ready().await;
    wait_for_rates(&prom).await;
    let (sim_url, sim_task) = serve_sim_api(target.tsdb()).await;
    let sim = client(&sim_url, Duration::from_secs(5));

    compare_all(&prom, &sim, &target, "healthy").await;

    target.set_phase(Phase::ErrorSpike);
    let error_rate = builtin()
        .into_iter()
        .find(|d| d.id == "error_rate")
        .unwrap();
    eventually("the error rate to cross 1 % in Prometheus", 60, || async {
        let r = prom.instant(&error_rate.query, None).await.ok()?;
        kpi_value(&error_rate, &r).filter(|v| *v > 1.0)
    })
    .await;
    compare_all(&prom, &sim, &target, "spike").await;

    // the rule file's alert fires in Prometheus; the simulator raises the same by name
    let alerts = eventually(
        "KubeChatHighErrorRate to fire in Prometheus",
        60,
        || async {
            let a = prom.alerts().await.ok()?;
            a.iter()
                .any(|a| {
                    a.state == "firing"
                        && a.labels.get("alertname").map(String::as_str)
                            == Some("KubeChatHighErrorRate")
                })
                .then_some(a)
        },
    )
    .await;
    assert!(!alerts.is_empty());
    let sim_alerts = sim.alerts().await.unwrap();
    assert!(
        sim_alerts.iter().any(|a| a.labels.get("alertname").map(String::as_str) == Some("KubeChatHighErrorRate")),
        "{sim_alerts:?}"
    );
    sim_task.abort();
}

fn check_args(url: &str) -> CheckArgs {
    CheckArgs {
        prometheus: Some(url.to_string()),
        // throughput is left out: in the first 5 minutes of a fresh Prometheus, rate()
        // over [5m] under-reads the request rate (ratios and quantiles are unaffected)
        kpi: [
            "availability",
            "p95_latency",
            "error_rate",
            "cpu",
            "memory",
            "disk_free",
            "network_latency",
        ]
        .map(String::from)
        .to_vec(),
        format: CheckFormat::Json,
        timeout: Duration::from_secs(3),
    }
}

#[tokio::test]
async fn check_exits_0_healthy_1_breached_2_unreachable() {
    let Some(target) = Target::start(Phase::Healthy).await else {
        return;
    };
    let Some(mut prometheus) = Prometheus::start(target.addr()) else {
        return;
    };
    let prom = client(&prometheus.url(), Duration::from_secs(5));
    prometheus.wait_ready().await;
    wait_for_rates(&prom).await;

    assert_eq!(
        check::run(check_args(&prometheus.url()), builtin()).await,
        0
    );

    target.set_phase(Phase::ErrorSpike);
    let rows = eventually("check to see the error rate breached", 60, || async {
        let defs = check::select(builtin(), &["error_rate".into()]).unwrap();
        let rows = check::evaluate(&prom, &defs).await;
        (rows[0].state == "alert").then_some(rows)
    })
    .await;
    assert!(rows[0].message.starts_with("breached: "), "{:?}", rows[0]);
    assert_eq!(
        check::run(check_args(&prometheus.url()), builtin()).await,
        1
    );

    prometheus.stop();
    assert_eq!(
        check::run(check_args(&prometheus.url()), builtin()).await,
        2
    );
}

/// Feeds the poller's messages to the board until `want` holds for error_rate.
async fn feed_until(
    rx: &mut tokio::sync::mpsc::Receiver<Msg>,
    board: &mut KpiBoard,
    what: &str,
    want: fn(KpiState) -> bool,
) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let msg = tokio::time::timeout_at(deadline, rx.recv()).await;
        let Ok(Some(Msg::Kpi(m))) = msg else {
            panic!("timed out waiting for {what}")
        };
        board.apply(m, Timestamp::now());
        if want(board.get("error_rate").unwrap().state) {
            return;
        }
    }
}

#[tokio::test]
async fn poller_goes_stale_when_prometheus_stops_and_recovers_when_it_returns() {
    let Some(target) = Target::start(Phase::Healthy).await else {
        return;
    };
    let Some(mut prometheus) = Prometheus::start(target.addr()) else {
        return;
    };
    let prom = client(&prometheus.url(), Duration::from_secs(2));
    prometheus.wait_ready().await;
    wait_for_rates(&prom).await;

    let defs: Vec<_> = builtin()
        .into_iter()
        .filter(|d| d.id == "error_rate" || d.id == "p95_latency")
        .collect();
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Msg>(64);
    let poller = spawn_poller(prom.clone(), defs.clone(), Duration::from_millis(300), tx);
    let mut board = KpiBoard::new(defs);

    feed_until(&mut rx, &mut board, "a good sample", |s| s == KpiState::Ok).await;
    let good = board.get("error_rate").unwrap().value;

    prometheus.stop();
    feed_until(&mut rx, &mut board, "the query to fail", |s| {
        s == KpiState::Error
    })
    .await;
    let e = board.get("error_rate").unwrap();
    assert_eq!(e.value, good, "the last value is kept");
    assert!(
        e.error.as_deref().unwrap().contains("cannot connect"),
        "{:?}",
        e.error
    );

    prometheus.restart();
    feed_until(&mut rx, &mut board, "recovery", |s| s == KpiState::Ok).await;
    assert_eq!(board.get("error_rate").unwrap().error, None);

    drop(rx);
    eventually("the poller to end when the channel closes", 30, || async {
        poller.is_finished().then_some(())
    })
    .await;
}
