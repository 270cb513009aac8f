//! The KPI parts against a REAL Prometheus (Debian's /usr/bin/prometheus) on loopback,
//! scraping a small metrics server every second.
//!
//! The differential tests run the simulator in-process and have Prometheus scrape its
//! `/metrics` (honor_labels): every default KPI from Prometheus is compared with the
//! simulator's own query API, healthy and during the bad-canary error spike. The small
//! in-test target (counters whose rates the test controls) serves the tests that need a
//! breach on cue: `check`'s exit codes and the poller's stale/recover cycle.

use std::time::Duration;

use jiff::Timestamp;
use kubechat_ops::commands::check::{self, CheckArgs, CheckFormat};
use kubechat_ops::io::prom::{spawn_poller, PromClient, PromError, QueryResult};
use kubechat_ops::kpi::defs::builtin;
use kubechat_ops::kpi::value::worst_of;
use kubechat_ops::kpi::{KpiBoard, KpiState};
use kubechat_ops::msg::Msg;
use kubechat_sim::{SimHandle, SimOptions};

mod support {
    pub mod differential;
    pub mod prometheus;
    pub mod skip;
    pub mod target;
    pub mod wait;
}
use support::differential::{
    compare_all, every_kpi_has_data, scrapes_held, sim_scraped_by_prometheus,
};
use support::prometheus::Prometheus;
use support::target::{serve_sim_api, Phase, Target};
use support::wait::{client, eventually};

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
    let target = Target::start(Phase::Healthy).await;
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

#[tokio::test]
async fn prometheus_scraping_the_simulator_agrees_with_its_query_api_when_healthy() {
    let Some((sim, prometheus)) = sim_scraped_by_prometheus("default").await else {
        return;
    };
    let prom = client(&prometheus.url(), Duration::from_secs(5));
    let api = client(&sim.url(), Duration::from_secs(5));
    every_kpi_has_data(&prom, "prometheus").await;
    every_kpi_has_data(&api, "simulator").await;
    scrapes_held(&prom, 60).await;
    let gap = compare_all(&prom, &api, "default").await;
    println!("default: largest relative gap {gap:.4}");
    sim.shutdown().await;
}

#[tokio::test]
async fn prometheus_scraping_the_simulator_agrees_during_the_bad_canary_error_spike() {
    let Some((sim, prometheus)) = sim_scraped_by_prometheus("bad-canary").await else {
        return;
    };
    let prom = client(&prometheus.url(), Duration::from_secs(5));
    let api = client(&sim.url(), Duration::from_secs(5));
    every_kpi_has_data(&prom, "prometheus").await;
    // the scenario's 30 s step, now: the bad 2.5.0 becomes the canary
    kubechat_sim::controllers::apply_action(
        &sim.shared(),
        serde_json::json!({
            "action": "set-image",
            "target": "rollout/kubechat-api-gateway",
            "image": "harbor.company.com/kubechat/api-gateway:2.5.0"
        }),
    )
    .expect("set-image");
    let error_rate = builtin()
        .into_iter()
        .find(|d| d.id == "error_rate")
        .expect("error_rate KPI");
    for (who, api) in [("prometheus", &prom), ("simulator", &api)] {
        eventually(
            &format!("the error rate to pass 1 % in {who}"),
            90,
            || async {
                let r = api.instant(&error_rate.query, None).await.ok()?;
                worst_of(&error_rate, r.latest_values()).filter(|v| *v > 1.0)
            },
        )
        .await;
    }
    scrapes_held(&prom, 60).await;
    let gap = compare_all(&prom, &api, "spike").await;
    println!("spike: largest relative gap {gap:.4}");

    // the same alert by name: Prometheus from its rule file, the simulator from the KPIs
    eventually(
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
                .then_some(())
        },
    )
    .await;
    let sim_alerts = api.alerts().await.expect("simulator alerts");
    assert!(
        sim_alerts
            .iter()
            .any(|a| a.labels.get("alertname").map(String::as_str) == Some("KubeChatHighErrorRate")),
        "{sim_alerts:?}"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn a_warm_simulator_reads_its_real_throughput_from_the_first_query() {
    let throughput = builtin()
        .into_iter()
        .find(|d| d.id == "throughput")
        .expect("throughput KPI");
    let first_value = |sim: SimHandle| {
        let throughput = throughput.clone();
        async move {
            let api = client(&sim.url(), Duration::from_secs(5));
            let v = eventually("a first throughput value", 60, || async {
                let r = api.instant(&throughput.query, None).await.ok()?;
                worst_of(&throughput, r.latest_values())
            })
            .await;
            (sim, api, v)
        }
    };
    let warm = SimHandle::start(SimOptions {
        warm_history: true,
        ..SimOptions::default()
    })
    .await
    .expect("warm simulator");
    let (warm, api, v) = first_value(warm).await;
    assert_eq!(
        kubechat_ops::kpi::value::classify(&throughput, v),
        Some(KpiState::Ok),
        "warm: the first throughput {v} req/s is within its target {}",
        throughput.target
    );
    // the made-up past reaches back ten minutes and reads the same rate
    let end = Timestamp::now();
    let QueryResult::Matrix(m) = api
        .range(
            &throughput.query,
            end - jiff::SignedDuration::from_mins(4),
            end,
            Duration::from_secs(30),
        )
        .await
        .expect("range query")
    else {
        panic!("not a matrix")
    };
    assert_eq!(m.len(), 1, "{m:?}");
    assert!(m[0].points.len() >= 8, "{m:?}");
    assert!(
        m[0].points.iter().all(|p| p.v >= throughput.target),
        "{m:?}"
    );
    warm.shutdown().await;

    // without it, rate()[5m] over seconds of data under-reads (as Prometheus does)
    let cold = SimHandle::start(SimOptions::default())
        .await
        .expect("cold simulator");
    let (cold, _, v) = first_value(cold).await;
    assert!(v < throughput.alert, "cold: {v}");
    cold.shutdown().await;
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
    let target = Target::start(Phase::Healthy).await;
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
    let target = Target::start(Phase::Healthy).await;
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
