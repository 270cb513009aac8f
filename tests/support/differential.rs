//! The differential test's parts: the simulator scraped by a real Prometheus from its first
//! second, and every default KPI compared between the two engines.

use std::time::{Duration, Instant};

use jiff::Timestamp;
use kubechat_ops::io::prom::{PromClient, QueryResult};
use kubechat_ops::kpi::defs::builtin;
use kubechat_ops::kpi::value::worst_of;
use kubechat_sim::{SimHandle, SimOptions};

use super::prometheus::Prometheus;
use super::wait::{client, eventually};

/// The stated tolerance of the differential test: 1 % relative, or 1e-3 absolute for
/// values near zero. The engines sample at different instants (Prometheus' scrapes and the
/// simulator's recordings are up to 1 s apart), so a rate over a window that reaches back
/// to the start differs by up to about half a second's share of the data: with 60 s of
/// data, ~0.1 % was observed.
pub fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 0.01 * a.abs().max(b.abs()) + 1e-3
}

/// The simulator (cold: no made-up past, as Prometheus has none) on a port a real
/// Prometheus already scrapes, so both see the traffic from its first second.
pub async fn sim_scraped_by_prometheus(scenario: &str) -> Option<(SimHandle, Prometheus)> {
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port");
    let prometheus = Prometheus::start(addr)?;
    prometheus.wait_ready().await;
    // Prometheus applies new targets after a few seconds: wait for its first (failed)
    // scrape, so its first sample of the simulator comes within a second of the start
    let prom = client(&prometheus.url(), Duration::from_secs(5));
    eventually("Prometheus to scrape the simulator's port", 60, || async {
        match prom.instant("up{job=\"sim\"}", None).await.ok()? {
            QueryResult::Vector(v) if !v.is_empty() => Some(()),
            _ => None,
        }
    })
    .await;
    let sim = SimHandle::start(SimOptions {
        listen: addr,
        scenario: scenario.into(),
        warm_history: false,
        ..SimOptions::default()
    })
    .await
    .expect("the simulator starts");
    Some((sim, prometheus))
}

/// The instant the engines are compared at: a second back, so both have stored the
/// samples around it.
pub fn a_second_ago() -> Timestamp {
    Timestamp::now() - jiff::SignedDuration::from_secs(1)
}

/// Every default KPI from `api`, at `at`; None for a KPI without a value.
pub async fn all_kpis(api: &PromClient, at: Timestamp) -> Vec<(String, Option<f64>)> {
    let mut out = Vec::new();
    for def in builtin() {
        let v = api.instant(&def.query, Some(at)).await.ok();
        out.push((
            def.id.clone(),
            v.and_then(|r| worst_of(&def, r.latest_values())),
        ));
    }
    out
}

/// Waits until every default KPI has a value in `api` (the traffic model feeds them all).
pub async fn every_kpi_has_data(api: &PromClient, who: &str) {
    let mut missing = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        missing = all_kpis(api, a_second_ago())
            .await
            .into_iter()
            .filter(|(_, v)| v.is_none())
            .map(|(id, _)| id)
            .collect();
        if missing.is_empty() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("{who}: no data for {missing:?}");
}

/// Waits until Prometheus holds `secs` scrapes of the gateway: the engines' sampling
/// instants differ by up to a second, which weighs less the more data the window holds.
pub async fn scrapes_held(prom: &PromClient, secs: usize) {
    let query = "max(count_over_time(up{job=\"kubechat-api-gateway\"}[5m]))";
    eventually(
        &format!("{secs} scrapes in Prometheus"),
        3 * secs as u64,
        || async {
            match prom.instant(query, None).await.ok()? {
                QueryResult::Vector(v) => {
                    v.first().filter(|s| s.point.v >= secs as f64).map(|_| ())
                }
                _ => None,
            }
        },
    )
    .await
}

/// Every default KPI at one instant, from the real Prometheus and from the simulator's
/// own query API; returns the largest relative gap seen.
pub async fn compare_all(prom: &PromClient, sim: &PromClient, phase: &str) -> f64 {
    let at = a_second_ago();
    let real = all_kpis(prom, at).await;
    let ours = all_kpis(sim, at).await;
    let mut worst: f64 = 0.0;
    for ((id, real), (_, ours)) in real.into_iter().zip(ours) {
        let (Some(real), Some(ours)) = (real, ours) else {
            panic!("{phase} {id}: prometheus {real:?} vs simulator {ours:?}")
        };
        let gap = (real - ours).abs() / real.abs().max(ours.abs()).max(1e-9);
        println!("{phase:8} {id:18} prometheus {real:<14.6} simulator {ours:<14.6} gap {gap:.4}");
        assert!(
            close(real, ours),
            "{phase} {id}: prometheus {real} vs simulator {ours}"
        );
        worst = worst.max(gap);
    }
    worst
}
