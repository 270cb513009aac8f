use jiff::Timestamp;

use super::*;
use crate::promql::tsdb;
use crate::traffic::Series;

const T0: i64 = 1_800_000_000;

fn s(name: &str, labels: &[(&str, &str)], value: f64) -> Series {
    Series {
        name: name.into(),
        labels: labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        value,
    }
}

/// 10 minutes, one recording per second: 200s at 10/s and 500s at 1/s on two pods,
/// a latency histogram, `up` for three targets (one down).
fn db() -> Tsdb {
    let db = Tsdb::default();
    for i in 0..=600i64 {
        let f = i as f64;
        let api = [("job", "kubechat-api-gateway")];
        let mut series = vec![
            s(
                "http_requests_total",
                &[api[0], ("pod", "a"), ("code", "200")],
                5.0 * f,
            ),
            s(
                "http_requests_total",
                &[api[0], ("pod", "b"), ("code", "200")],
                5.0 * f,
            ),
            s(
                "http_requests_total",
                &[api[0], ("pod", "a"), ("code", "500")],
                f,
            ),
            s("up", &[api[0], ("pod", "a")], 1.0),
            s("up", &[api[0], ("pod", "b")], 1.0),
            s("up", &[api[0], ("pod", "c")], 0.0),
        ];
        // 10 obs/s: 6 ≤ 0.1 s, 3 in (0.1, 0.5], 1 in (0.5, 1]
        for (le, per_s) in [("0.1", 6.0), ("0.5", 9.0), ("1", 10.0), ("+Inf", 10.0)] {
            series.push(s(
                "http_request_duration_seconds_bucket",
                &[api[0], ("le", le)],
                per_s * f,
            ));
        }
        db.record(Timestamp::from_second(T0 + i).unwrap(), &series);
    }
    db
}

fn at_end() -> i64 {
    (T0 + 600) * 1000
}

fn query(db: &Tsdb, q: &str) -> Value {
    let e = parse(q).unwrap_or_else(|e| panic!("{q}: {e:?}"));
    eval(db, &e, at_end()).unwrap_or_else(|e| panic!("{q}: {e:?}"))
}

fn one(db: &Tsdb, q: &str) -> f64 {
    match query(db, q) {
        Value::Scalar(v) => v,
        Value::Vector(v) if v.len() == 1 => v[0].v,
        other => panic!("{q}: not one value: {other:?}"),
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9 * b.abs().max(1.0)
}

#[test]
fn selectors_with_every_matcher() {
    let db = db();
    let n = |q: &str| match query(&db, q) {
        Value::Vector(v) => v.len(),
        other => panic!("{other:?}"),
    };
    assert_eq!(n("http_requests_total"), 3);
    assert_eq!(n(r#"http_requests_total{code="500"}"#), 1);
    assert_eq!(n(r#"http_requests_total{code!="500"}"#), 2);
    assert_eq!(n(r#"http_requests_total{code=~"5.."}"#), 1);
    assert_eq!(n(r#"http_requests_total{code!~"5..",pod="a"}"#), 1);
    assert_eq!(n(r#"{__name__=~"http_.*_total"}"#), 3);
    assert_eq!(
        n(r#"http_requests_total{code=~"0"}"#),
        0,
        "regex is anchored"
    );
}

#[test]
fn rate_increase_irate_match_the_slopes() {
    let db = db();
    assert!(close(
        one(&db, r#"sum(rate(http_requests_total{code="500"}[5m]))"#),
        1.0
    ));
    assert!(close(one(&db, "sum(rate(http_requests_total[5m]))"), 11.0));
    assert!(close(
        one(&db, r#"sum(increase(http_requests_total{code="500"}[5m]))"#),
        300.0
    ));
    assert!(close(
        one(&db, r#"sum(irate(http_requests_total{pod="b"}[1m]))"#),
        5.0
    ));
}

#[test]
fn the_default_kpi_queries_evaluate() {
    let db = db();
    let err = one(
        &db,
        r#"100 * (1 - sum(rate(http_requests_total{job="kubechat-api-gateway",code!~"5.."}[5m])) / sum(rate(http_requests_total{job="kubechat-api-gateway"}[5m])))"#,
    );
    assert!(close(err, 100.0 / 11.0), "{err}");
    let avail = one(&db, r#"100 * avg(up{job="kubechat-api-gateway"})"#);
    assert!(close(avail, 200.0 / 3.0), "{avail}");
    // rank 9.5 of 10 in (0.5, 1]: 0.5 + 0.5 * 0.5
    let p95 = one(
        &db,
        r#"histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{job="kubechat-api-gateway"}[5m])))"#,
    );
    assert!(close(p95, 0.75), "{p95}");
}

#[test]
fn aggregations_by_and_without() {
    let db = db();
    let Value::Vector(mut v) = query(&db, "sum by (pod) (rate(http_requests_total[5m]))") else {
        panic!()
    };
    v.sort_by(|a, b| a.labels.cmp(&b.labels));
    assert_eq!(v.len(), 2);
    assert_eq!(v[0].labels, vec![("pod".to_string(), "a".to_string())]);
    assert!(close(v[0].v, 6.0) && close(v[1].v, 5.0));
    let Value::Vector(v) = query(&db, "max without (pod, code) (http_requests_total)") else {
        panic!()
    };
    assert_eq!(v.len(), 1);
    assert_eq!(
        v[0].labels,
        vec![("job".to_string(), "kubechat-api-gateway".to_string())]
    );
    assert_eq!(v[0].v, 3000.0);
    assert_eq!(one(&db, "min(up)"), 0.0);
    assert_eq!(one(&db, "count(up)"), 3.0);
}

#[test]
fn arithmetic_comparison_and_bool() {
    let db = db();
    assert_eq!(one(&db, "1 + 2 * 3"), 7.0);
    assert_eq!(one(&db, "2 > bool 1"), 1.0);
    // filter keeps the vector's value
    let Value::Vector(v) = query(&db, "up == 0") else {
        panic!()
    };
    assert_eq!(v.len(), 1);
    assert_eq!(
        tsdb::label(&v[0].labels, "__name__"),
        "up",
        "filters keep the name"
    );
    let Value::Vector(v) = query(&db, "up > bool 0") else {
        panic!()
    };
    assert_eq!(v.iter().map(|s| s.v).sum::<f64>(), 2.0);
    assert_eq!(tsdb::label(&v[0].labels, "__name__"), "");
    // vector / vector on identical labels, on() and ignoring()
    let r = one(
        &db,
        r#"sum by (pod) (rate(http_requests_total{pod="a",code="500"}[5m])) / sum by (pod) (rate(http_requests_total{pod="a"}[5m]))"#,
    );
    assert!(close(r, 1.0 / 6.0), "{r}");
    let Value::Vector(v) = query(
        &db,
        r#"http_requests_total{code="500"} / on(pod) http_requests_total{code="200"}"#,
    ) else {
        panic!()
    };
    assert_eq!(v.len(), 1);
    assert_eq!(v[0].labels, vec![("pod".to_string(), "a".to_string())]);
    assert!(close(v[0].v, 0.2));
    let Value::Vector(v) = query(
        &db,
        r#"http_requests_total{code="500"} - ignoring(code) http_requests_total{code="200"}"#,
    ) else {
        panic!()
    };
    assert_eq!(v.len(), 1);
    assert!(close(v[0].v, -2400.0));
    assert!(one(&db, "0 / 0").is_nan());
    assert_eq!(one(&db, "time()"), (T0 + 600) as f64);
    assert_eq!(one(&db, "vector(2) * 3"), 6.0);
}

#[test]
fn no_samples_in_the_window_means_no_result() {
    let db = db();
    let e = parse("up").unwrap();
    let later = at_end() + LOOKBACK_MS + 1000;
    assert_eq!(eval(&db, &e, later).unwrap(), Value::Vector(vec![]));
    let e = parse("rate(http_requests_total[5m])").unwrap();
    assert_eq!(eval(&db, &e, later).unwrap(), Value::Vector(vec![]));
}

#[test]
fn a_vanished_series_leaves_instant_queries_at_once() {
    let db = db();
    let later = Timestamp::from_second(T0 + 601).unwrap();
    db.record(
        later,
        &[s(
            "up",
            &[("job", "kubechat-api-gateway"), ("pod", "a")],
            1.0,
        )],
    );
    let e = parse("count(up)").unwrap();
    let Value::Vector(v) = eval(&db, &e, later.as_millisecond()).unwrap() else {
        panic!()
    };
    assert_eq!(
        v[0].v, 1.0,
        "pods b and c are gone, as Prometheus' staleness markers say"
    );
}

#[test]
fn unsupported_queries_are_refused() {
    let db = db();
    for q in [
        "topk(3, up)",
        "label_replace(up, \"a\", \"b\", \"c\", \"d\")",
        "up offset 5m",
        "rate(http_requests_total[5m:1m])",
        "up * on(pod) group_left(code) http_requests_total",
        "quantile(0.9, up)",
    ] {
        let e = parse(q).unwrap_or_else(|e| panic!("{q}: {e:?}"));
        let err = eval(&db, &e, at_end()).unwrap_err();
        assert!(err.0.contains("not supported"), "{q}: {}", err.0);
    }
    let err = parse("sum(rate(x[5m])").unwrap_err();
    assert!(
        err.0.starts_with("invalid parameter \"query\": "),
        "{}",
        err.0
    );
    let err = eval(
        &db,
        &parse("http_requests_total / on(job) up").unwrap(),
        at_end(),
    )
    .unwrap_err();
    assert!(err.0.contains("duplicate series"), "{}", err.0);
}
