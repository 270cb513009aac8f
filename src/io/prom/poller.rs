//! The KPI poller: a range-query backfill, then every interval an instant query per KPI
//! (concurrently) and the alerts, sent as `Msg::Kpi`. Missed ticks are skipped; the task
//! ends when the channel closes.

use std::time::Duration;

use futures::future::join_all;
use jiff::{SignedDuration, Timestamp};
use tokio::sync::mpsc::Sender;
use tokio::task::JoinHandle;
use tokio::time::MissedTickBehavior;

use super::{PromAlert, PromClient, QueryResult};
use crate::kpi::defs::KpiDef;
use crate::kpi::value::{worse, worst_of};
use crate::kpi::{AlertState, FiringAlert, KpiMsg};
use crate::msg::Msg;

/// How far back the start-up backfill reaches.
pub const BACKFILL: SignedDuration = SignedDuration::from_hours(1);

pub fn spawn_poller(
    client: PromClient,
    defs: Vec<KpiDef>,
    interval: Duration,
    tx: Sender<Msg>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let interval = interval.max(Duration::from_millis(100));
        if backfill(&client, &defs, interval, &tx).await.is_err() {
            return;
        }
        let mut ticker = tokio::time::interval(interval);
        ticker.set_missed_tick_behavior(MissedTickBehavior::Skip);
        loop {
            tokio::select! {
                _ = ticker.tick() => {}
                _ = tx.closed() => return,
            }
            if poll_once(&client, &defs, &tx).await.is_err() {
                return;
            }
        }
    })
}

/// The loop's channel is closed: the poller ends.
#[derive(Debug)]
pub struct Closed;

async fn send(tx: &Sender<Msg>, msg: KpiMsg) -> Result<(), Closed> {
    tx.send(Msg::Kpi(msg)).await.map_err(|_| Closed)
}

async fn backfill(
    client: &PromClient,
    defs: &[KpiDef],
    step: Duration,
    tx: &Sender<Msg>,
) -> Result<(), Closed> {
    let local_now = Timestamp::now();
    // the server's clock (the simulator's may run faster than ours): history is shifted
    // onto our clock so live samples continue it
    let server_now = match client.instant("time()", None).await {
        Ok(QueryResult::Scalar(p)) => Timestamp::from_millisecond((p.t * 1000.0) as i64).ok(),
        _ => None,
    }
    .unwrap_or(local_now);
    let shift = local_now.duration_since(server_now);
    let end = server_now;
    let start = end - BACKFILL;
    // at most ~720 points per KPI whatever the interval
    let step = step.max(Duration::from_secs(5));
    let answers = join_all(
        defs.iter()
            .map(|d| client.range(&d.query, start, end, step)),
    )
    .await;
    for (def, answer) in defs.iter().zip(answers) {
        // a failed backfill is not worth a message: the first poll says why
        if let Ok(QueryResult::Matrix(series)) = answer {
            let points = worst_series(def, series.into_iter().map(|s| s.points).collect())
                .into_iter()
                .map(|(t, v)| (t + shift, v))
                .collect();
            send(
                tx,
                KpiMsg::Backfill {
                    id: def.id.clone(),
                    points,
                },
            )
            .await?;
        }
    }
    Ok(())
}

/// Polls every KPI and the alerts once.
pub async fn poll_once(
    client: &PromClient,
    defs: &[KpiDef],
    tx: &Sender<Msg>,
) -> Result<(), Closed> {
    let (answers, alerts) = tokio::join!(
        join_all(defs.iter().map(|d| client.instant(&d.query, None))),
        client.alerts()
    );
    let at = Timestamp::now();
    for (def, answer) in defs.iter().zip(answers) {
        let msg = match answer {
            Ok(result) => KpiMsg::Sample {
                id: def.id.clone(),
                value: worst_of(def, result.latest_values()),
                at,
            },
            Err(e) => KpiMsg::Failed {
                id: def.id.clone(),
                error: e.to_string(),
                at,
            },
        };
        send(tx, msg).await?;
    }
    let msg = match alerts {
        Ok(alerts) => KpiMsg::Alerts {
            alerts: alerts.into_iter().map(firing_alert).collect(),
            at,
        },
        Err(e) => KpiMsg::AlertsFailed {
            error: e.to_string(),
            at,
        },
    };
    send(tx, msg).await
}

/// Merges a range answer's series into one line, taking the worst value at each time.
fn worst_series(def: &KpiDef, series: Vec<Vec<super::PromPoint>>) -> Vec<(Timestamp, f64)> {
    let mut by_time: std::collections::BTreeMap<i64, f64> = Default::default();
    for p in series.into_iter().flatten() {
        let ms = (p.t * 1000.0).round() as i64;
        by_time
            .entry(ms)
            .and_modify(|v| *v = worse(def, *v, p.v))
            .or_insert(p.v);
    }
    by_time
        .into_iter()
        .filter_map(|(ms, v)| Timestamp::from_millisecond(ms).ok().map(|t| (t, v)))
        .collect()
}

fn firing_alert(a: PromAlert) -> FiringAlert {
    FiringAlert {
        name: a
            .labels
            .get("alertname")
            .cloned()
            .unwrap_or_else(|| "(unnamed)".into()),
        state: AlertState::parse(&a.state),
        severity: a.labels.get("severity").cloned(),
        summary: a
            .annotations
            .get("summary")
            .or_else(|| a.annotations.get("description"))
            .cloned(),
        active_at: a.active_at.and_then(|s| s.parse().ok()),
        labels: a
            .labels
            .into_iter()
            .filter(|(k, _)| k != "alertname" && k != "severity")
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::prom::{PromPoint, PromSample};

    fn kpi_value(def: &KpiDef, result: &QueryResult) -> Option<f64> {
        worst_of(def, result.latest_values())
    }
    use crate::kpi::defs::builtin;

    fn def(id: &str) -> KpiDef {
        builtin().into_iter().find(|d| d.id == id).unwrap()
    }

    fn vector(values: &[f64]) -> QueryResult {
        QueryResult::Vector(
            values
                .iter()
                .map(|&v| PromSample {
                    metric: Default::default(),
                    point: PromPoint { t: 1.0, v },
                })
                .collect(),
        )
    }

    #[test]
    fn worst_value_by_direction() {
        assert_eq!(
            kpi_value(&def("availability"), &vector(&[99.9, 98.0, f64::NAN])),
            Some(98.0)
        );
        assert_eq!(
            kpi_value(&def("p95_latency"), &vector(&[0.2, 0.9])),
            Some(0.9)
        );
        assert_eq!(kpi_value(&def("p95_latency"), &vector(&[])), None);
        let scalar = QueryResult::Scalar(PromPoint { t: 1.0, v: 3.0 });
        assert_eq!(kpi_value(&def("p95_latency"), &scalar), Some(3.0));
    }

    #[test]
    fn backfill_merges_series_worst_first() {
        let p = |t: f64, v: f64| PromPoint { t, v };
        let merged = worst_series(
            &def("p95_latency"),
            vec![vec![p(1.0, 0.1), p(2.0, 0.5)], vec![p(1.0, 0.3)]],
        );
        let values: Vec<f64> = merged.iter().map(|(_, v)| *v).collect();
        assert_eq!(values, vec![0.3, 0.5]);
    }

    struct Now(kubechat_sim::promql::Tsdb);

    impl kubechat_sim::promql::QuerySource for Now {
        fn tsdb(&self) -> &kubechat_sim::promql::Tsdb {
            &self.0
        }
        fn now(&self) -> Timestamp {
            Timestamp::now()
        }
    }

    #[tokio::test]
    async fn backfills_then_polls_and_ends_with_the_channel() {
        use kubechat_sim::traffic::Series;
        // 10 minutes of a 5xx share of 2 % (above the 1 % alert), up to now
        let db = kubechat_sim::promql::Tsdb::default();
        let now = Timestamp::now();
        for i in (0..=600i64).rev() {
            let f = (600 - i) as f64;
            let s = |code: &str, v: f64| Series {
                name: "http_requests_total".into(),
                labels: vec![
                    ("job".into(), "kubechat-api-gateway".into()),
                    ("code".into(), code.into()),
                ],
                value: v,
            };
            db.record(
                now - SignedDuration::from_secs(i),
                &[s("200", 98.0 * f), s("500", 2.0 * f)],
            );
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let app = kubechat_sim::promql::router_for(std::sync::Arc::new(Now(db)));
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        let defs: Vec<KpiDef> = builtin()
            .into_iter()
            .filter(|d| d.id == "error_rate")
            .collect();
        let client = PromClient::new(crate::io::prom::PromConfig::new(url)).unwrap();
        let (tx, mut rx) = tokio::sync::mpsc::channel(16);
        let poller = spawn_poller(client, defs, Duration::from_millis(200), tx);
        let mut next = async || match tokio::time::timeout(Duration::from_secs(30), rx.recv()).await
        {
            Ok(Some(Msg::Kpi(m))) => m,
            other => panic!("no message: {other:?}"),
        };
        let KpiMsg::Backfill { id, points } = next().await else {
            panic!("backfill first")
        };
        assert_eq!(id, "error_rate");
        assert!(points.len() >= 2, "{points:?}");
        assert!(
            points.iter().all(|(_, v)| (v - 2.0).abs() < 1e-6),
            "{points:?}"
        );
        let KpiMsg::Sample { value: Some(v), .. } = next().await else {
            panic!("then a sample")
        };
        assert!((v - 2.0).abs() < 1e-6, "{v}");
        let KpiMsg::Alerts { alerts, .. } = next().await else {
            panic!("then the alerts")
        };
        assert_eq!(alerts[0].name, "KubeChatHighErrorRate");
        drop(rx);
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        while !poller.is_finished() {
            assert!(
                std::time::Instant::now() < deadline,
                "the poller did not end"
            );
            tokio::task::yield_now().await;
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        server.abort();
    }

    #[test]
    fn alerts_map_to_firing_alerts() {
        let a: PromAlert = serde_json::from_str(
            r#"{"labels":{"alertname":"KubeChatHighErrorRate","severity":"warning"},"annotations":{"summary":"5xx"},"state":"firing","activeAt":"2026-11-28T15:00:00.123Z","value":"2e-02"}"#,
        )
        .unwrap();
        let f = firing_alert(a);
        assert_eq!(f.name, "KubeChatHighErrorRate");
        assert_eq!(f.severity.as_deref(), Some("warning"));
        assert_eq!(f.summary.as_deref(), Some("5xx"));
        assert!(f.active_at.is_some());
    }
}
