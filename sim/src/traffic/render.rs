//! The traffic's metric families, as series and as Prometheus text (format 0.0.4).

use std::fmt::Write as _;

use super::{Inner, Series, BUCKETS, CODES, JOB, NAMESPACE, SERVICE};

pub(super) struct Family {
    name: &'static str,
    help: &'static str,
    kind: &'static str,
    pub series: Vec<Series>,
}

fn labels(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn app_pod(pod: &str) -> Vec<(&'static str, &str)> {
    vec![("job", JOB), ("namespace", NAMESPACE), ("pod", pod)]
}

fn one(name: &str, pairs: &[(&str, &str)], value: f64) -> Series {
    Series {
        name: name.to_string(),
        labels: labels(pairs),
        value,
    }
}

pub(super) fn families(inner: &Inner) -> Vec<Family> {
    let base = [("job", JOB), ("service", SERVICE), ("namespace", NAMESPACE)];
    let mut requests = Vec::new();
    let mut histogram = Vec::new();
    let mut up = Vec::new();
    let mut cpu = Vec::new();
    let mut memory = Vec::new();
    let mut cpu_quota = Vec::new();
    let mut memory_limit = Vec::new();
    let mut pool = Vec::new();
    let mut restarts = Vec::new();
    let mut terminated = Vec::new();
    for (pod, s) in &inner.pods {
        let with_pod: Vec<(&str, &str)> = base
            .iter()
            .copied()
            .chain([("pod", pod.as_str())])
            .collect();
        for (code, value) in CODES.iter().zip(s.requests) {
            let mut l = with_pod.clone();
            l.push(("code", code));
            requests.push(one("http_requests_total", &l, value));
        }
        for (le, value) in BUCKETS.iter().zip(s.buckets) {
            let le = le.to_string();
            let mut l = with_pod.clone();
            l.push(("le", &le));
            histogram.push(one("http_request_duration_seconds_bucket", &l, value));
        }
        let mut l = with_pod.clone();
        l.push(("le", "+Inf"));
        histogram.push(one("http_request_duration_seconds_bucket", &l, s.count));
        histogram.push(one("http_request_duration_seconds_sum", &with_pod, s.sum));
        histogram.push(one(
            "http_request_duration_seconds_count",
            &with_pod,
            s.count,
        ));
        let instance = if s.ip.is_empty() {
            format!("{pod}:8080")
        } else {
            format!("{}:8080", s.ip)
        };
        up.push(one(
            "up",
            &[
                ("job", JOB),
                ("namespace", NAMESPACE),
                ("pod", pod),
                ("instance", &instance),
            ],
            if s.ready { 1.0 } else { 0.0 },
        ));
        if s.ready {
            // The gateway's own metrics: scraped only while it is up.
            for (state, value) in [
                ("active", s.db_active),
                ("idle", s.db_idle),
                ("max", super::DB_POOL_MAX),
            ] {
                let mut l = app_pod(pod);
                l.push(("state", state));
                pool.push(one("kubechat_db_pool_connections", &l, value));
            }
        }
        for (container, count, reason) in &s.restarts {
            let l = [
                ("namespace", NAMESPACE),
                ("pod", pod.as_str()),
                ("container", container.as_str()),
            ];
            restarts.push(one(
                "kube_pod_container_status_restarts_total",
                &l,
                *count as f64,
            ));
            if let Some(reason) = reason {
                let mut l = l.to_vec();
                l.push(("reason", reason));
                terminated.push(one(
                    "kube_pod_container_status_last_terminated_reason",
                    &l,
                    1.0,
                ));
            }
        }
        for c in &s.containers {
            let l = [
                ("namespace", NAMESPACE),
                ("pod", pod.as_str()),
                ("container", c.name.as_str()),
            ];
            if let Some(cores) = c.cpu_cores {
                cpu_quota.push(one(
                    "container_spec_cpu_quota",
                    &l,
                    cores * super::limits::CPU_PERIOD_MICROS,
                ));
            }
            if let Some(bytes) = c.memory_bytes {
                memory_limit.push(one("container_spec_memory_limit_bytes", &l, bytes));
            }
            cpu.push(one(
                "container_cpu_usage_seconds_total",
                &l,
                s.cpu_seconds / s.containers.len() as f64,
            ));
            memory.push(one(
                "container_memory_usage_bytes",
                &l,
                s.memory / s.containers.len() as f64,
            ));
        }
    }
    let mut avail = Vec::new();
    let mut size = Vec::new();
    for (node, bytes) in &inner.nodes {
        let l = [
            ("instance", node.as_str()),
            ("device", "/dev/sda1"),
            ("fstype", "ext4"),
            ("mountpoint", "/"),
        ];
        avail.push(one("node_filesystem_avail_bytes", &l, bytes.round()));
        size.push(one("node_filesystem_size_bytes", &l, super::FS_SIZE));
    }
    let app = [("job", JOB), ("namespace", NAMESPACE)];
    let rbac = inner
        .rbac_denials
        .iter()
        .map(|(reason, v)| {
            one(
                "kubechat_rbac_denials_total",
                &[("job", JOB), ("namespace", NAMESPACE), ("reason", reason)],
                *v,
            )
        })
        .collect();
    vec![
        Family {
            name: "http_requests_total",
            help: "Total HTTP requests served by the KubeChat API gateway.",
            kind: "counter",
            series: requests,
        },
        Family {
            name: "http_request_duration_seconds",
            help: "HTTP request latency of the KubeChat API gateway.",
            kind: "histogram",
            series: histogram,
        },
        Family {
            name: "up",
            help: "Whether the scrape target is up (1) or down (0).",
            kind: "gauge",
            series: up,
        },
        Family {
            name: "container_cpu_usage_seconds_total",
            help: "Cumulative CPU time consumed by the container in seconds.",
            kind: "counter",
            series: cpu,
        },
        Family {
            name: "container_memory_usage_bytes",
            help: "Current memory usage of the container in bytes.",
            kind: "gauge",
            series: memory,
        },
        Family {
            name: "container_spec_cpu_quota",
            help: "CPU quota of the container (microseconds per CFS period of 100000).",
            kind: "gauge",
            series: cpu_quota,
        },
        Family {
            name: "container_spec_memory_limit_bytes",
            help: "Memory limit of the container in bytes.",
            kind: "gauge",
            series: memory_limit,
        },
        Family {
            name: "node_filesystem_avail_bytes",
            help: "Filesystem space available to non-root users in bytes.",
            kind: "gauge",
            series: avail,
        },
        Family {
            name: "node_filesystem_size_bytes",
            help: "Filesystem size in bytes.",
            kind: "gauge",
            series: size,
        },
        Family {
            name: "probe_duration_seconds",
            help: "Duration of the blackbox probe of the KubeChat health endpoint in seconds.",
            kind: "gauge",
            series: vec![one(
                "probe_duration_seconds",
                &[
                    ("job", "blackbox"),
                    ("instance", "https://kubechat.company.com/health/ready"),
                ],
                inner.probe_seconds,
            )],
        },
        Family {
            name: "kubechat_auth_failures_total",
            help: "Failed KubeChat authentication attempts.",
            kind: "counter",
            series: vec![one(
                "kubechat_auth_failures_total",
                &app,
                inner.auth_failures,
            )],
        },
        Family {
            name: "kubechat_rbac_denials_total",
            help: "KubeChat requests denied by RBAC, by reason.",
            kind: "counter",
            series: rbac,
        },
        Family {
            name: "kubechat_db_pool_connections",
            help: "Connections of the KubeChat API gateway's postgres pool, by state (active, idle, max).",
            kind: "gauge",
            series: pool,
        },
        Family {
            name: "kube_pod_container_status_restarts_total",
            help: "The number of container restarts per container.",
            kind: "counter",
            series: restarts,
        },
        Family {
            name: "kube_pod_container_status_last_terminated_reason",
            help: "Describes the last reason the container was in terminated state.",
            kind: "gauge",
            series: terminated,
        },
        Family {
            name: "kubechat_api_requests_total",
            help: "Requests to the KubeChat API.",
            kind: "counter",
            series: vec![one("kubechat_api_requests_total", &app, inner.api_requests)],
        },
    ]
}

fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn number(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v.is_infinite() {
        if v > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        }
    } else {
        format!("{v}")
    }
}

pub(super) fn text(families: &[Family]) -> String {
    let mut out = String::new();
    for f in families {
        let _ = writeln!(out, "# HELP {} {}", f.name, f.help);
        let _ = writeln!(out, "# TYPE {} {}", f.name, f.kind);
        for s in &f.series {
            out.push_str(&s.name);
            if !s.labels.is_empty() {
                let inner: Vec<String> = s
                    .labels
                    .iter()
                    .map(|(k, v)| format!("{k}=\"{}\"", escape(v)))
                    .collect();
                let _ = write!(out, "{{{}}}", inner.join(","));
            }
            let _ = writeln!(out, " {}", number(s.value));
        }
    }
    out
}
