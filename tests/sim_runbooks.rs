//! The seed's runbooks (docs: operational-procedures, "Alert Runbooks" and
//! `staging_validation`) run with the real kubectl 1.33 against the simulated cluster, every
//! command as written with the names of the simulated cluster filled in:
//!
//! - KubeChatHighErrorRate (default scenario): the gateway's live slot is the Deployment
//!   `kubechat-api-gateway-blue` (the Service `kubechat-api-gateway` points at it; the name
//!   `kubechat-api-gateway` itself is the canary Rollout).
//! - KubeChatPodCrashLooping (oomkill scenario): the blue slot is OOMKilled in a loop until
//!   the runbook's memory patch raises its limit to 1Gi.
//! - Staging validation: health, login and the DB pool through the API server.
//!
//! Without a kubectl every test skips with a reason (and fails under CI: `support/skip.rs`).

#[path = "support/kubectl.rs"]
mod kubectl;
#[path = "support/skip.rs"]
mod skip;

use std::time::Duration;

use kubectl::{columns, kubectl_present, Kubectl};
use serde_json::Value;

const NS: &str = "kubechat-system";
/// The gateway's live slot, where the runbooks say `kubechat-api-gateway`.
const GATEWAY: &str = "kubechat-api-gateway-blue";
const MEMORY_PATCH: &str = r#"{"spec":{"template":{"spec":{"containers":[{"name":"api-gateway","resources":{"limits":{"memory":"1Gi"}}}]}}}}"#;
const HEALTH: &str = "/api/v1/namespaces/kubechat-system/services/kubechat-api-gateway:http/proxy";

/// A blue pod that has been OOMKilled and restarted, from `kubectl get pods -o json`.
fn oom_killed_pod(pods_json: &str) -> Option<String> {
    let pods: Value = serde_json::from_str(pods_json).ok()?;
    pods["items"].as_array()?.iter().find_map(|p| {
        let cs = &p["status"]["containerStatuses"][0];
        let oom = cs["lastState"]["terminated"]["reason"] == "OOMKilled"
            && cs["restartCount"].as_i64().is_some_and(|n| n >= 1)
            && p["metadata"]["labels"]["deployment-slot"] == "blue";
        oom.then(|| p["metadata"]["name"].as_str().map(String::from))?
    })
}

/// `250Mi` → 250 (kubectl top prints memory in Mi).
fn mebibytes(cell: &str) -> f64 {
    cell.trim_end_matches("Mi").parse().unwrap_or(-1.0)
}

/// The pods of the Deployment's current ReplicaSet once it is fully rolled out.
async fn blue_pods(k: &Kubectl) -> Vec<Value> {
    let pods = k.json(&["get", "pods", "-l", "deployment-slot=blue"]).await;
    pods["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["metadata"]["deletionTimestamp"].is_null())
        .cloned()
        .collect()
}

#[tokio::test]
async fn high_error_rate_runbook() {
    if !kubectl_present() {
        return;
    }
    let k = Kubectl::start("default", 10.0).await;
    k.ok(&["rollout", "status", "deployment", GATEWAY, "--timeout=60s"])
        .await;

    // Investigation 1: check recent deployments.
    let line = format!("kubectl get deployment {GATEWAY} -o yaml | grep image");
    let r = k.shell(&line).await;
    assert!(r.ok, "{line}: {r:?}");
    assert!(
        r.stdout
            .contains("image: harbor.company.com/kubechat/api-gateway:2.4.1"),
        "{}",
        r.stdout
    );

    // Investigation 2: review application logs (the access log is sampled every 5 s).
    let logs = k
        .wait_for(
            &[
                "logs",
                "-l",
                "app.kubernetes.io/name=kubechat",
                "--tail=100",
            ],
            |out| out.contains("msg=\"request served\""),
        )
        .await;
    assert!(logs.contains("msg=\"starting api-gateway\""), "{logs}");

    // Investigation 3: check downstream dependencies.
    let pg = k
        .wait_for(
            &["get", "pods", "-l", "app=postgresql", "-o", "wide"],
            |out| out.contains("Running"),
        )
        .await;
    let mut lines = pg.lines();
    assert_eq!(
        columns(lines.next().unwrap_or("")),
        [
            "NAME",
            "READY",
            "STATUS",
            "RESTARTS",
            "AGE",
            "IP",
            "NODE",
            "NOMINATED NODE",
            "READINESS GATES"
        ],
        "{pg}"
    );
    let row = columns(lines.next().unwrap_or(""));
    assert!(row[0].starts_with("postgres-primary-"), "{pg}");
    assert_eq!(row[1..3], ["1/1", "Running"], "{pg}");
    assert!(
        row[5].starts_with("10.244.") && row[6].starts_with("sim-node-"),
        "{pg}"
    );

    // Investigation 4: verify configuration.
    let cm = k
        .ok(&["get", "configmap", "kubechat-config", "-o", "yaml"])
        .await;
    assert!(cm.contains("name: kubechat-config"), "{cm}");
    assert!(cm.contains("schemaVersion: 2"), "{cm}");

    // Mitigation 1: scale up.
    let scaled = k
        .ok(&["scale", "deployment", GATEWAY, "--replicas=10"])
        .await;
    assert_eq!(scaled.trim(), format!("deployment.apps/{GATEWAY} scaled"));
    k.wait_for(
        &[
            "get",
            "deployment",
            GATEWAY,
            "-o",
            "jsonpath={.status.readyReplicas}",
        ],
        |out| out.trim() == "10",
    )
    .await;

    // Mitigation 2: restart.
    let restarted = k.ok(&["rollout", "restart", "deployment", GATEWAY]).await;
    assert_eq!(
        restarted.trim(),
        format!("deployment.apps/{GATEWAY} restarted")
    );
    let status = k
        .ok(&["rollout", "status", "deployment", GATEWAY, "--timeout=60s"])
        .await;
    assert!(status.contains("successfully rolled out"), "{status}");

    // Mitigation 3: roll back (to the template before the restart).
    let undone = k.ok(&["rollout", "undo", "deployment", GATEWAY]).await;
    assert_eq!(
        undone.trim(),
        format!("deployment.apps/{GATEWAY} rolled back")
    );
    k.ok(&["rollout", "status", "deployment", GATEWAY, "--timeout=60s"])
        .await;
    let d = k.json(&["get", "deployment", GATEWAY]).await;
    assert!(
        d["spec"]["template"]["metadata"]["annotations"]["kubectl.kubernetes.io/restartedAt"]
            .is_null(),
        "undo brings back the template from before the restart: {}",
        d["spec"]["template"]
    );
    assert_eq!(d["status"]["availableReplicas"], 10);
    k.finish().await;
}

#[tokio::test]
async fn pod_crash_looping_runbook_heals_oomkill() {
    if !kubectl_present() {
        return;
    }
    let k = Kubectl::start("oomkill", 20.0).await;
    let pods = k
        .wait_for(&["get", "pods", "-o", "json"], |out| {
            oom_killed_pod(out).is_some()
        })
        .await;
    let pod = oom_killed_pod(&pods).expect("an OOMKilled pod");

    // The gateway is down: its Service has no ready endpoints.
    let health = k.run(&["get", "--raw", &format!("{HEALTH}/healthz")]).await;
    assert!(!health.ok, "{health:?}");
    assert!(
        health
            .stderr
            .contains("no endpoints available for service \"kubechat-api-gateway\""),
        "{health:?}"
    );

    // Investigation 1: check pod events.
    let described = k
        .wait_for(&["describe", "pod", &pod, "-n", NS], |out| {
            out.contains("Warning  BackOff")
        })
        .await;
    let after = |label: &str| {
        described
            .lines()
            .skip_while(|l| !l.trim_start().starts_with(label))
            .take(4)
            .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        after("Last State:")[..3],
        [
            "Last State: Terminated",
            "Reason: OOMKilled",
            "Exit Code: 137"
        ],
        "{described}"
    );
    assert!(
        described.contains("Back-off restarting failed container api-gateway"),
        "{described}"
    );

    // Investigation 2: review the crashed container's log.
    let previous = k
        .wait_for(&["logs", &pod, "-n", NS, "--previous"], |out| {
            out.contains("out of memory")
        })
        .await;
    assert_eq!(
        previous.lines().last(),
        Some("fatal error: runtime: out of memory"),
        "{previous}"
    );
    assert!(previous.contains("limit=256Mi"), "{previous}");

    // Investigation 3: check resource constraints: at the 256Mi limit.
    let top = k.ok(&["top", "pod", &pod, "-n", NS]).await;
    let mut lines = top.lines();
    assert_eq!(
        columns(lines.next().unwrap_or("")),
        ["NAME", "CPU(cores)", "MEMORY(bytes)"],
        "{top}"
    );
    let row = columns(lines.next().unwrap_or(""));
    assert_eq!(row[0], pod, "{top}");
    let memory = mebibytes(row[2]);
    assert!((240.0..=256.0).contains(&memory), "{top}");
    let nodes = k.ok(&["top", "node"]).await;
    assert!(
        nodes.lines().next().is_some_and(
            |h| columns(h) == ["NAME", "CPU(cores)", "CPU(%)", "MEMORY(bytes)", "MEMORY(%)"]
        ),
        "{nodes}"
    );
    assert_eq!(
        nodes.lines().filter(|l| l.starts_with("sim-node-")).count(),
        3,
        "{nodes}"
    );

    // Investigation 4: verify secrets and configmaps.
    let both = k
        .ok(&["get", "secret,configmap", "-n", "kubechat-system"])
        .await;
    let rows: Vec<Vec<&str>> = both.lines().map(columns).collect();
    assert!(
        rows.iter()
            .any(|r| r.starts_with(&["secret/postgres-credentials", "Opaque", "2"])),
        "{both}"
    );
    assert!(
        rows.iter()
            .any(|r| r.starts_with(&["configmap/kubechat-config", "2"])),
        "{both}"
    );
    let secret = k.json(&["get", "secret", "postgres-credentials"]).await;
    assert_eq!(secret["data"]["username"], "a3ViZWNoYXRfdXNlcg==");

    // Mitigation 2, on the failing pod: a debug container. Without -it it is just added
    // and starts; with -it the attach is refused clearly and kubectl shows its log.
    let debug = k.run(&["debug", &pod, "--image=busybox"]).await;
    assert!(debug.ok, "{debug:?}");
    let said = format!("{}{}", debug.stdout, debug.stderr);
    let debugger = said
        .split("Defaulting debug container name to ")
        .nth(1)
        .and_then(|rest| rest.split('.').next())
        .expect("kubectl names the debug container")
        .to_string();
    k.wait_for(&["get", "pod", &pod, "-o", "json"], |out| {
        let p: Value = serde_json::from_str(out).unwrap_or_default();
        p["status"]["ephemeralContainerStatuses"]
            .as_array()
            .is_some_and(|s| {
                s.iter()
                    .any(|c| c["name"] == debugger.as_str() && c["state"]["running"].is_object())
            })
    })
    .await;
    let interactive = k.run(&["debug", &pod, "-it", "--image=busybox"]).await;
    assert!(interactive.ok, "{interactive:?}");
    assert!(
        interactive
            .stderr
            .contains("the simulated cluster does not run containers: attach is not supported"),
        "{interactive:?}"
    );
    assert!(
        interactive.stdout.contains("runs no processes"),
        "{interactive:?}"
    );

    // Mitigation 1: increase the memory limit (on the slot's Deployment).
    let patched = k
        .ok(&["patch", "deployment", GATEWAY, "-p", MEMORY_PATCH])
        .await;
    assert_eq!(patched.trim(), format!("deployment.apps/{GATEWAY} patched"));
    let status = k
        .run(&["rollout", "status", "deployment", GATEWAY, "--timeout=60s"])
        .await;
    assert!(status.ok, "{status:?}");
    assert!(
        status.stdout.contains("successfully rolled out"),
        "{status:?}"
    );
    let d = k.json(&["get", "deployment", GATEWAY]).await;
    let container = &d["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(container["resources"]["limits"]["memory"], "1Gi");
    assert_eq!(
        container["resources"]["limits"]["cpu"], "1",
        "the strategic merge keeps the rest of the container"
    );

    // The new pods stay up: no restarts for 30 simulated seconds.
    let since = k.sim_now();
    loop {
        let pods = blue_pods(&k).await;
        assert_eq!(pods.len(), 3, "{pods:#?}");
        for p in &pods {
            let cs = &p["status"]["containerStatuses"][0];
            assert_eq!(
                p["spec"]["containers"][0]["resources"]["limits"]["memory"],
                "1Gi"
            );
            assert_eq!(cs["restartCount"], 0, "{cs}");
            assert_eq!(cs["ready"], true, "{cs}");
        }
        if k.sim_now().duration_since(since) >= jiff::SignedDuration::from_secs(30) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let healthy = k
        .wait_run(&["get", "--raw", &format!("{HEALTH}/healthz")], |r| r.ok)
        .await;
    assert_eq!(healthy.stdout.trim(), r#"{"status":"ok"}"#);
    let new_pod = blue_pods(&k).await[0]["metadata"]["name"]
        .as_str()
        .unwrap()
        .to_string();
    let top = k
        .wait_for(&["top", "pod", &new_pod, "-n", NS], |out| {
            out.contains("470Mi")
        })
        .await;
    assert!(top.contains(&new_pod), "{top}");
    k.finish().await;
}

#[tokio::test]
async fn staging_validation_checks() {
    if !kubectl_present() {
        return;
    }
    let k = Kubectl::start("default", 10.0).await;

    // Deployment health: all pods running and ready.
    k.wait_for(&["get", "pods", "-o", "json"], |out| {
        let pods: Value = serde_json::from_str(out).unwrap_or_default();
        let items = pods["items"].as_array().cloned().unwrap_or_default();
        items.len() >= 18
            && items.iter().all(|p| {
                p["status"]["conditions"].as_array().is_some_and(|c| {
                    c.iter()
                        .any(|c| c["type"] == "Ready" && c["status"] == "True")
                })
            })
    })
    .await;

    // API endpoints: every health check passes, the port by name or by number.
    for path in [
        "kubechat-api-gateway:http/proxy/healthz",
        "kubechat-api-gateway:80/proxy/healthz",
        "kubechat-api-gateway:http/proxy/readyz",
        "kubechat-api-gateway:80/proxy/health/ready",
    ] {
        let url = format!("/api/v1/namespaces/kubechat-system/services/{path}");
        let out = k.ok(&["get", "--raw", &url]).await;
        let body: Value = serde_json::from_str(&out).expect("JSON health");
        assert_eq!(body["status"], "ok", "{path}: {out}");
    }

    // Authentication flow: the login endpoint answers with the OIDC provider.
    let login = k
        .ok(&["get", "--raw", &format!("{HEALTH}/auth/login")])
        .await;
    let login: Value = serde_json::from_str(&login).expect("JSON login");
    assert_eq!(login["provider"], "oidc");
    assert_eq!(login["issuer"], "https://sso.company.com");

    // Database connectivity: the pool metric, in /metrics and in Prometheus.
    let metrics = k.ok(&["get", "--raw", "/metrics"]).await;
    assert!(
        metrics.contains("# TYPE kubechat_db_pool_connections gauge"),
        "{metrics}"
    );
    assert!(
        metrics
            .lines()
            .any(|l| l.starts_with("kubechat_db_pool_connections{")
                && l.contains("state=\"max\"")
                && l.ends_with(" 20")),
        "{metrics}"
    );
    let prometheus = "/api/v1/namespaces/monitoring-system/services/prometheus:9090/proxy";
    let in_use = k
        .wait_for(
            &[
                "get",
                "--raw",
                &format!(
                    "{prometheus}/api/v1/query?query=sum(kubechat_db_pool_connections%7Bstate%3D%22active%22%7D)%20%2F%20sum(kubechat_db_pool_connections%7Bstate%3D%22max%22%7D)"
                ),
            ],
            |out| out.contains("\"result\":[{"),
        )
        .await;
    let answer: Value = serde_json::from_str(&in_use).unwrap();
    let share: f64 = answer["data"]["result"][0]["value"][1]
        .as_str()
        .and_then(|v| v.parse().ok())
        .expect("a number");
    assert!(share > 0.0 && share < 0.8, "pool in use: {share}");

    // Performance baseline: p95 latency within the 500 ms SLA.
    let p95 = k
        .wait_for(
            &[
                "get",
                "--raw",
                &format!(
                    "{prometheus}/api/v1/query?query=histogram_quantile(0.95%2C%20sum%20by%20(le)%20(rate(http_request_duration_seconds_bucket%5B1m%5D)))"
                ),
            ],
            |out| out.contains("\"result\":[{"),
        )
        .await;
    let answer: Value = serde_json::from_str(&p95).unwrap();
    let seconds: f64 = answer["data"]["result"][0]["value"][1]
        .as_str()
        .and_then(|v| v.parse().ok())
        .expect("a number");
    assert!(seconds > 0.0 && seconds < 0.5, "p95 {seconds}s");

    // With no ready pod behind the Service, the health check fails.
    k.ok(&["scale", "deployment", GATEWAY, "--replicas=0"])
        .await;
    let down = k
        .wait_run(&["get", "--raw", &format!("{HEALTH}/healthz")], |r| !r.ok)
        .await;
    assert!(
        down.stderr.contains("ServiceUnavailable")
            && down.stderr.contains("no endpoints available"),
        "{down:?}"
    );
    k.finish().await;
}
