//! The simulator's Prometheus query API (`kubechat_sim::promql`) in the real shapes, read
//! through the console's own client (`io::prom::PromClient`), as the console reads it.

use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use kubechat_ops::io::prom::{PromClient, PromConfig, PromError, QueryResult};
use kubechat_ops::kpi::defs::builtin;
use kubechat_sim::promql::{router_for, QuerySource, Tsdb};
use kubechat_sim::traffic::Series;

const T0: i64 = 1_800_000_000;

struct Fixed {
    db: Tsdb,
    now: Timestamp,
}

impl QuerySource for Fixed {
    fn tsdb(&self) -> &Tsdb {
        &self.db
    }
    fn now(&self) -> Timestamp {
        self.now
    }
}

fn series(code: &str, value: f64) -> Series {
    Series {
        name: "http_requests_total".into(),
        labels: vec![
            ("job".into(), "kubechat-api-gateway".into()),
            ("code".into(), code.into()),
        ],
        value,
    }
}

/// 10 min of traffic: 100 req/s, 5 of them 5xx (5 % — above the 1 % alert).
async fn serve() -> (String, tokio::task::JoinHandle<()>) {
    let db = Tsdb::default();
    for i in 0..=600 {
        let f = i as f64;
        db.record(
            Timestamp::from_second(T0 + i).unwrap(),
            &[series("200", 95.0 * f), series("503", 5.0 * f)],
        );
    }
    let src = Arc::new(Fixed {
        db,
        now: Timestamp::from_second(T0 + 600).unwrap(),
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let app = router_for(src);
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (url, task)
}

fn client(url: &str) -> PromClient {
    let mut cfg = PromConfig::new(url);
    cfg.timeout = Duration::from_secs(5);
    PromClient::new(cfg).unwrap()
}

#[tokio::test]
async fn instant_and_range_queries_in_the_real_shapes() {
    let (url, task) = serve().await;
    let raw: serde_json::Value = reqwest::get(format!(
        "{url}/api/v1/query?query=sum(rate(http_requests_total[5m]))"
    ))
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(raw["status"], "success");
    assert_eq!(raw["data"]["resultType"], "vector");
    assert_eq!(raw["data"]["result"][0]["metric"], serde_json::json!({}));
    assert_eq!(raw["data"]["result"][0]["value"][0], (T0 + 600) as f64);
    assert_eq!(raw["data"]["result"][0]["value"][1], "100");

    let c = client(&url);
    let kpi = builtin()
        .into_iter()
        .find(|d| d.id == "error_rate")
        .unwrap();
    let QueryResult::Vector(v) = c.instant(&kpi.query, None).await.unwrap() else {
        panic!()
    };
    assert!((v[0].point.v - 5.0).abs() < 1e-9, "{:?}", v);
    let start = Timestamp::from_second(T0 + 300).unwrap();
    let end = Timestamp::from_second(T0 + 600).unwrap();
    let QueryResult::Matrix(m) = c
        .range(
            "sum(rate(http_requests_total[1m]))",
            start,
            end,
            Duration::from_secs(15),
        )
        .await
        .unwrap()
    else {
        panic!()
    };
    assert_eq!(m.len(), 1);
    assert_eq!(m[0].points.len(), 21);
    let QueryResult::Scalar(s) = c.instant("1 / 0", None).await.unwrap() else {
        panic!()
    };
    assert_eq!(s.v, f64::INFINITY);
    task.abort();
}

#[tokio::test]
async fn errors_are_bad_data_and_404s_are_text() {
    let (url, task) = serve().await;
    let c = client(&url);
    let e = c.instant("sum(rate(x[5m])", None).await.unwrap_err();
    let PromError::Api { error_type, error } = &e else {
        panic!("{e:?}")
    };
    assert_eq!(error_type, "bad_data");
    assert!(error.starts_with("invalid parameter \"query\""), "{error}");
    let e = c.instant("topk(1, up)", None).await.unwrap_err();
    assert!(
        e.to_string().starts_with("bad_data: ") && e.to_string().contains("not supported"),
        "{e}"
    );
    let resp = reqwest::get(format!("{url}/api/v1/query?query=topk(1,up)"))
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 400);
    let e = c
        .range(
            "up",
            Timestamp::from_second(T0).unwrap(),
            Timestamp::from_second(T0 + 86_400).unwrap(),
            Duration::from_secs(1),
        )
        .await
        .unwrap_err();
    assert!(e.to_string().contains("11,000 points"), "{e}");
    let nowhere = client(&format!("{url}/nowhere"));
    let e = nowhere.instant("up", None).await.unwrap_err();
    assert!(matches!(e, PromError::Http { status: 404, .. }), "{e:?}");
    task.abort();
}

#[tokio::test]
async fn post_form_alerts_and_buildinfo() {
    let (url, task) = serve().await;
    let body: serde_json::Value = reqwest::Client::new()
        .post(format!("{url}/api/v1/query"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("query=sum%28rate%28http_requests_total%7Bcode%3D%22503%22%7D%5B5m%5D%29%29")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["data"]["result"][0]["value"][1], "5");
    let c = client(&url);
    let alerts = c.alerts().await.unwrap();
    let names: Vec<&str> = alerts
        .iter()
        .filter_map(|a| a.labels.get("alertname").map(String::as_str))
        .collect();
    assert!(names.contains(&"KubeChatHighErrorRate"), "{names:?}");
    assert!(alerts.iter().all(|a| a.state == "firing"));
    assert_eq!(c.buildinfo().await.unwrap().version, "2.42.0");
    task.abort();
}

#[tokio::test]
async fn mounted_at_the_kube_service_proxy_path() {
    let db = Tsdb::default();
    db.record(Timestamp::from_second(T0).unwrap(), &[series("200", 1.0)]);
    let src = Arc::new(Fixed {
        db,
        now: Timestamp::from_second(T0).unwrap(),
    });
    let app = axum::Router::new().nest(
        "/api/v1/namespaces/monitoring-system/services/prometheus:9090/proxy",
        router_for(src),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let cluster = format!("http://{}", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let url = PromConfig::service_proxy_url(&cluster, "monitoring-system", "prometheus", 9090);
    let QueryResult::Vector(v) = client(&url)
        .instant("http_requests_total", None)
        .await
        .unwrap()
    else {
        panic!()
    };
    assert_eq!(v.len(), 1);
    task.abort();
}
