//! The simulated control plane driven pass by pass on a manual clock (no HTTP, no sleeps).

#[path = "support/skip.rs"]
mod skip;

use std::time::Duration;

use kubechat_sim::clock::SimClock;
use kubechat_sim::controllers::World;
use kubechat_sim::resources;
use kubechat_sim::scenario::{self, ScaleParams, Scenario};
use kubechat_sim::store::{Obj, Store};
use serde_json::{json, Value};

const NS: &str = "kubechat-system";
const SEC: Duration = Duration::from_secs(1);

fn world(name: &str) -> World {
    World::new(
        scenario::load(name).expect("built-in scenario loads"),
        SimClock::manual(),
    )
    .expect("scenario seeds")
}

fn world_from(text: &str) -> World {
    let s = scenario::parse_str(text, "inline.yaml").expect("inline scenario parses");
    World::new(s, SimClock::manual()).expect("inline scenario seeds")
}

fn deploy(s: &Store, name: &str) -> Obj {
    s.get(resources::of("apps", "deployments"), NS, name)
        .expect("deployment exists")
}

fn rollout(s: &Store) -> Obj {
    s.get(
        resources::of("argoproj.io", "rollouts"),
        NS,
        "kubechat-api-gateway",
    )
    .expect("rollout exists")
}

fn owned_by(s: &Store, res: &'static resources::Resource, owner: &Value) -> Vec<Obj> {
    let uid = owner["metadata"]["uid"].clone();
    s.list(res, Some(NS))
        .into_iter()
        .filter(|o| {
            o["metadata"]["ownerReferences"]
                .as_array()
                .is_some_and(|r| r.iter().any(|r| r["uid"] == uid))
        })
        .collect()
}

fn active_pods(s: &Store, rs: &Value) -> Vec<Obj> {
    owned_by(s, resources::core("pods"), rs)
}

fn events_with(s: &Store, reason: &str) -> Vec<Obj> {
    s.list(resources::core("events"), None)
        .into_iter()
        .filter(|e| e["reason"] == reason)
        .collect()
}

fn ready(p: &Value) -> bool {
    p["status"]["conditions"].as_array().is_some_and(|c| {
        c.iter()
            .any(|c| c["type"] == "Ready" && c["status"] == "True")
    })
}

#[test]
fn every_builtin_scenario_plays_ten_minutes() {
    for name in scenario::BUILTIN_NAMES.iter().filter(|n| **n != "scale") {
        let w = world(name);
        w.run_for(Duration::from_secs(600), SEC)
            .unwrap_or_else(|e| panic!("{name}: {e:#}"));
        // 3 blue + 3 green + 10 rollout + postgres + log shipper, whatever the faults.
        let running = w.with_store(|s| {
            s.list(resources::core("pods"), None)
                .iter()
                .filter(|p| p["status"]["phase"] == "Running")
                .count()
        });
        assert!(
            running >= 18,
            "{name}: only {running} pods running after 10 minutes"
        );
    }
    let full = scenario::load("scale").expect("scale loads");
    let deployments = full
        .objects
        .iter()
        .filter(|o| o["kind"] == "Deployment")
        .count();
    assert!(deployments >= 2000, "scale has {deployments} deployments");
    let small = Scenario::scale(ScaleParams {
        deployments: 30,
        pods: 150,
        churn_per_sec: 5.0,
    });
    let w = World::new(small, SimClock::manual()).expect("small scale seeds");
    w.run_for(Duration::from_secs(600), SEC)
        .expect("scale plays");
    let scale_pods = w.with_store(|s| {
        s.list(resources::core("pods"), None)
            .iter()
            .filter(|p| p["metadata"]["labels"]["sim.kubechat.io/churn"] == "true")
            .count()
    });
    assert_eq!(scale_pods, 150, "churned pods are replaced");
}

const ROLLING: &str = r#"
objects:
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web, namespace: kubechat-system, annotations: {kubernetes.io/change-cause: v1}}
    spec:
      replicas: 4
      strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}
      selector: {matchLabels: {app: web}}
      template:
        metadata: {labels: {app: web}}
        spec: {containers: [{name: web, image: "web:1"}]}
"#;

#[test]
fn rolling_update_honours_surge_and_unavailable_then_rolls_back() {
    let w = world_from(ROLLING);
    let settled = |s: &Store| {
        let d = deploy(s, "web");
        d["status"]["availableReplicas"] == 4
            && d["status"]["updatedReplicas"] == 4
            && d["status"]["replicas"] == 4
            && d["metadata"]["generation"] == d["status"]["observedGeneration"]
    };
    assert!(w.run_until(Duration::from_secs(120), SEC, settled).unwrap());
    let first_rs =
        w.with_store(|s| owned_by(s, resources::of("apps", "replicasets"), &deploy(s, "web")));
    assert_eq!(first_rs.len(), 1);
    assert_eq!(
        first_rs[0]["metadata"]["annotations"]["deployment.kubernetes.io/revision"],
        "1"
    );
    assert!(first_rs[0]["metadata"]["name"]
        .as_str()
        .unwrap()
        .starts_with("web-"));

    w.apply_action(json!({"action": "set-image", "target": "deployment/web", "image": "web:2", "namespace": NS})).unwrap();
    let mut max_pods = 0;
    let mut min_available = i64::MAX;
    for _ in 0..300 {
        w.clock.advance(Duration::from_millis(500));
        w.step().unwrap();
        let (pods, available) = w.with_store(|s| {
            let d = deploy(s, "web");
            let pods: usize = owned_by(s, resources::of("apps", "replicasets"), &d)
                .iter()
                .map(|rs| active_pods(s, rs).len())
                .sum();
            let available = active_pods_ready(s, &d);
            (pods, available)
        });
        max_pods = max_pods.max(pods);
        min_available = min_available.min(available);
        if w.with_store(|s| {
            settled(s)
                && deploy(s, "web")["status"]["conditions"][1]["reason"] == "NewReplicaSetAvailable"
        }) {
            break;
        }
    }
    assert!(max_pods <= 5, "maxSurge 1 exceeded: {max_pods} pods");
    assert!(max_pods == 5, "the surge was used");
    assert!(
        min_available >= 4,
        "maxUnavailable 0 violated: {min_available} ready"
    );
    let (rs_list, d) = w.with_store(|s| {
        let d = deploy(s, "web");
        (owned_by(s, resources::of("apps", "replicasets"), &d), d)
    });
    assert_eq!(
        d["metadata"]["annotations"]["deployment.kubernetes.io/revision"],
        "2"
    );
    let progressing = &d["status"]["conditions"][1];
    assert_eq!(progressing["type"], "Progressing");
    assert_eq!(progressing["reason"], "NewReplicaSetAvailable");
    assert_eq!(rs_list.len(), 2);
    let old = rs_list
        .iter()
        .find(|rs| rs["metadata"]["name"] == first_rs[0]["metadata"]["name"])
        .unwrap();
    assert_eq!(old["spec"]["replicas"], 0);

    // Rollback as `kubectl rollout undo` does it: the old template goes back on the Deployment.
    let mut template = old["spec"]["template"].clone();
    template["metadata"]["labels"]
        .as_object_mut()
        .unwrap()
        .remove("pod-template-hash");
    w.with_store(|s| {
        s.modify(resources::of("apps", "deployments"), NS, "web", |d| {
            d["spec"]["template"] = template
        })
        .unwrap()
    });
    assert!(w
        .run_until(Duration::from_secs(120), SEC, |s| settled(s)
            && deploy(s, "web")["metadata"]["annotations"]
                ["deployment.kubernetes.io/revision"]
                == "3")
        .unwrap());
    let back = w.with_store(|s| {
        s.get(
            resources::of("apps", "replicasets"),
            NS,
            first_rs[0]["metadata"]["name"].as_str().unwrap(),
        )
        .unwrap()
    });
    assert_eq!(back["spec"]["replicas"], 4);
    assert_eq!(
        back["metadata"]["annotations"]["deployment.kubernetes.io/revision"],
        "3"
    );
    // Restarts beyond revisionHistoryLimit: the oldest idle ReplicaSets are deleted.
    w.with_store(|s| {
        s.modify(resources::of("apps", "deployments"), NS, "web", |d| {
            d["spec"]["revisionHistoryLimit"] = json!(2)
        })
        .unwrap()
    });
    for i in 0..3 {
        w.with_store(|s| {
            s.modify(resources::of("apps", "deployments"), NS, "web", |d| {
                d["spec"]["template"]["metadata"]["annotations"]
                    ["kubectl.kubernetes.io/restartedAt"] = json!(format!("2026-01-01T00:00:0{i}Z"))
            })
            .unwrap()
        });
        assert!(w
            .run_until(Duration::from_secs(120), SEC, |s| settled(s)
                && deploy(s, "web")["metadata"]["annotations"]
                    ["deployment.kubernetes.io/revision"]
                    == (4 + i).to_string().as_str())
            .unwrap());
    }
    let kept = w
        .with_store(|s| owned_by(s, resources::of("apps", "replicasets"), &deploy(s, "web")).len());
    assert_eq!(kept, 3, "the current ReplicaSet and two idle ones are kept");
    let scaled = w.with_store(|s| events_with(s, "ScalingReplicaSet"));
    assert!(
        scaled.iter().any(|e| e["message"]
            .as_str()
            .unwrap()
            .starts_with("Scaled up replica set web-")),
        "ScalingReplicaSet events"
    );
}

fn active_pods_ready(s: &Store, d: &Value) -> i64 {
    owned_by(s, resources::of("apps", "replicasets"), d)
        .iter()
        .flat_map(|rs| active_pods(s, rs))
        .filter(|p| ready(p))
        .count() as i64
}

#[test]
fn deleted_pod_is_replaced_and_unknown_action_is_refused() {
    let w = world("default");
    w.run_for(Duration::from_secs(20), SEC).unwrap();
    let victim = w.with_store(|s| {
        s.list(resources::core("pods"), Some(NS))
            .into_iter()
            .find(|p| p["metadata"]["labels"]["deployment-slot"] == "blue")
            .unwrap()
    });
    let name = victim["metadata"]["name"].as_str().unwrap().to_string();
    w.apply_action(json!({"action": "delete-pod", "pod": name}))
        .unwrap();
    w.run_for(Duration::from_secs(10), SEC).unwrap();
    let blue = w.with_store(|s| deploy(s, "kubechat-api-gateway-blue"));
    assert_eq!(blue["status"]["readyReplicas"], 3);
    assert!(w
        .with_store(|s| s.get(resources::core("pods"), NS, &name))
        .is_none());
    let err = w
        .apply_action(json!({"action": "explode"}))
        .unwrap_err()
        .to_string();
    assert!(err.contains("explode"), "{err}");
}

#[test]
fn crashloop_restarts_with_backoff_events_and_logs() {
    let w = world("crashloop");
    w.run_for(Duration::from_secs(300), SEC).unwrap();
    let (pod, backoff, blue) = w.with_store(|s| {
        let pod = s
            .list(resources::core("pods"), Some(NS))
            .into_iter()
            .find(|p| {
                p["spec"]["containers"][0]["image"]
                    .as_str()
                    .unwrap()
                    .ends_with("2.4.3-broken")
            })
            .expect("a pod of the broken image");
        (
            pod,
            events_with(s, "BackOff"),
            deploy(s, "kubechat-api-gateway-blue"),
        )
    });
    let cs = &pod["status"]["containerStatuses"][0];
    assert!(cs["restartCount"].as_i64().unwrap() >= 3, "{cs}");
    assert_eq!(cs["lastState"]["terminated"]["exitCode"], 1);
    assert_eq!(cs["state"]["waiting"]["reason"], "CrashLoopBackOff");
    assert!(!ready(&pod));
    let event = backoff
        .iter()
        .find(|e| e["involvedObject"]["name"] == pod["metadata"]["name"])
        .expect("BackOff event");
    assert!(event["count"].as_i64().unwrap() >= 2);
    assert_eq!(event["type"], "Warning");
    let previous = w
        .with_store(|s| {
            s.logs().lines(
                NS,
                pod["metadata"]["name"].as_str().unwrap(),
                "api-gateway",
                true,
            )
        })
        .expect("previous log");
    assert!(
        previous.iter().any(|(_, l)| l.contains("KUBECHAT_DB_DSN")),
        "{previous:?}"
    );
    // The old pods keep serving: maxUnavailable 25% of 3 rounds down to 0.
    assert_eq!(blue["status"]["availableReplicas"], 3);
    assert_eq!(blue["status"]["updatedReplicas"], 1);
    // No progress for progressDeadlineSeconds (600): the rollout is reported as failed.
    let stuck = |s: &Store| {
        deploy(s, "kubechat-api-gateway-blue")["status"]["conditions"][1]["reason"]
            == "ProgressDeadlineExceeded"
    };
    assert!(!w.with_store(|s| stuck(s)));
    assert!(w.run_until(Duration::from_secs(700), SEC, stuck).unwrap());
    let c =
        w.with_store(|s| deploy(s, "kubechat-api-gateway-blue"))["status"]["conditions"][1].clone();
    assert_eq!(c["status"], "False");
    assert!(
        c["message"]
            .as_str()
            .unwrap()
            .ends_with("has timed out progressing."),
        "{c}"
    );
}

#[test]
fn canary_walks_every_step_to_healthy() {
    let w = world("default");
    let mut seen_steps = std::collections::BTreeSet::new();
    let mut saw_paused = false;
    let mut weights = std::collections::BTreeSet::new();
    let healthy_on_new = |s: &Store| {
        let r = rollout(s);
        r["status"]["phase"] == "Healthy"
            && r["status"]["currentStepIndex"] == 10
            && r["metadata"]["annotations"]["rollout.argoproj.io/revision"] == "2"
    };
    for _ in 0..(50 * 60 / 2) {
        w.clock.advance(2 * SEC);
        w.step().unwrap();
        let r = w.with_store(|s| rollout(s));
        seen_steps.insert(r["status"]["currentStepIndex"].as_i64().unwrap_or(-1));
        saw_paused |= r["status"]["phase"] == "Paused"
            && r["status"]["pauseConditions"][0]["reason"] == "CanaryPauseStep";
        weights.insert(
            r["status"]["canary"]["weights"]["canary"]["weight"]
                .as_i64()
                .unwrap_or(-1),
        );
        if w.with_store(|s| healthy_on_new(s)) && seen_steps.len() > 10 {
            break;
        }
    }
    let r = w.with_store(|s| rollout(s));
    assert!(w.with_store(|s| healthy_on_new(s)), "{}", r["status"]);
    assert_eq!(
        seen_steps
            .into_iter()
            .filter(|i| *i >= 0)
            .collect::<Vec<_>>(),
        (0..=10).collect::<Vec<_>>()
    );
    assert!(saw_paused);
    for w8 in [5, 10, 25, 50, 75] {
        assert!(weights.contains(&w8), "weight {w8} never set: {weights:?}");
    }
    assert_eq!(r["status"]["stableRS"], r["status"]["currentPodHash"]);
    let (rs, runs) = w.with_store(|s| {
        (
            owned_by(s, resources::of("apps", "replicasets"), &r),
            owned_by(s, resources::of("argoproj.io", "analysisruns"), &r),
        )
    });
    assert_eq!(rs.len(), 2);
    for set in &rs {
        let want =
            if set["metadata"]["labels"]["rollouts-pod-template-hash"] == r["status"]["stableRS"] {
                10
            } else {
                0
            };
        assert_eq!(set["spec"]["replicas"], want);
    }
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0]["status"]["phase"], "Successful");
    assert!(
        runs[0]["status"]["metricResults"][0]["successful"]
            .as_i64()
            .unwrap()
            > 10
    );
}

#[test]
fn bad_canary_is_aborted_by_a_failed_analysis() {
    let w = world("bad-canary");
    let degraded = |s: &Store| rollout(s)["status"]["phase"] == "Degraded";
    assert!(
        w.run_until(Duration::from_secs(600), SEC, degraded)
            .unwrap(),
        "{}",
        w.with_store(|s| rollout(s))["status"]
    );
    w.run_for(Duration::from_secs(10), SEC).unwrap();
    let r = w.with_store(|s| rollout(s));
    assert_eq!(r["status"]["abort"], true);
    assert!(
        r["status"]["message"]
            .as_str()
            .unwrap()
            .starts_with("RolloutAborted: "),
        "{}",
        r["status"]["message"]
    );
    assert_eq!(r["status"]["canary"]["weights"]["canary"]["weight"], 0);
    let (runs, canary_rs, events) = w.with_store(|s| {
        let canary = s
            .get(
                resources::of("apps", "replicasets"),
                NS,
                &format!(
                    "kubechat-api-gateway-{}",
                    r["status"]["currentPodHash"].as_str().unwrap()
                ),
            )
            .unwrap();
        (
            owned_by(s, resources::of("argoproj.io", "analysisruns"), &r),
            canary,
            events_with(s, "AnalysisRunFailed"),
        )
    });
    assert_eq!(canary_rs["spec"]["replicas"], 0);
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0]["status"]["phase"], "Failed");
    assert!(
        runs[0]["status"]["metricResults"][0]["failed"]
            .as_i64()
            .unwrap()
            > 3
    );
    assert!(!events.is_empty());

    // Retry: clearing status.abort starts the canary again with a fresh analysis.
    w.with_store(|s| {
        s.modify(
            resources::of("argoproj.io", "rollouts"),
            NS,
            "kubechat-api-gateway",
            |r| r["status"]["abort"] = json!(false),
        )
        .unwrap()
    });
    w.run_for(Duration::from_secs(5), SEC).unwrap();
    let r = w.with_store(|s| rollout(s));
    assert_ne!(r["status"]["phase"], "Degraded");
    assert_eq!(r["status"]["currentStepIndex"], 0);
}

const CRON: &str = r#"
objects:
  - apiVersion: batch/v1
    kind: CronJob
    metadata: {name: report, namespace: kubechat-system}
    spec:
      schedule: "*/5 * * * *"
      jobTemplate:
        spec:
          template:
            spec:
              restartPolicy: Never
              containers: [{name: report, image: "busybox:1"}]
"#;

#[test]
fn cronjob_schedules_jobs_that_complete() {
    let w = world_from(CRON);
    let cj = |s: &Store| {
        s.get(resources::of("batch", "cronjobs"), NS, "report")
            .unwrap()
    };
    assert!(w
        .run_until(Duration::from_secs(420), SEC, |s| !cj(s)["status"]
            ["lastSuccessfulTime"]
            .is_null())
        .unwrap());
    let (cronjob, jobs, saw) = w.with_store(|s| {
        let c = cj(s);
        (
            c.clone(),
            owned_by(s, resources::of("batch", "jobs"), &c),
            events_with(s, "SawCompletedJob"),
        )
    });
    assert!(!cronjob["status"]["lastScheduleTime"].is_null());
    let job = &jobs[0];
    assert!(job["metadata"]["name"]
        .as_str()
        .unwrap()
        .starts_with("report-"));
    assert_eq!(job["status"]["succeeded"], 1);
    assert_eq!(job["status"]["conditions"][1]["type"], "Complete");
    assert!(!saw.is_empty());
}

#[test]
fn stale_backup_keeps_failing() {
    let w = world("stale-backup");
    w.run_for(Duration::from_secs(180), SEC).unwrap();
    w.apply_action(json!({"action": "run-job", "cronjob": "postgres-backup"}))
        .unwrap();
    w.run_for(Duration::from_secs(120), SEC).unwrap();
    let (cj, jobs) = w.with_store(|s| {
        let cj = s
            .get(resources::of("batch", "cronjobs"), NS, "postgres-backup")
            .unwrap();
        let jobs = owned_by(s, resources::of("batch", "jobs"), &cj);
        (cj, jobs)
    });
    let now = w.clock.now();
    let last_ok: jiff::Timestamp = cj["status"]["lastSuccessfulTime"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(now.duration_since(last_ok).as_hours() >= 72);
    assert!(!jobs.is_empty());
    assert!(
        jobs.iter()
            .all(|j| j["status"]["conditions"][1]["reason"] == "BackoffLimitExceeded"),
        "{jobs:?}"
    );
    assert!(jobs
        .iter()
        .any(|j| j["metadata"]["annotations"]["cronjob.kubernetes.io/instantiate"] == "manual"));
}

fn five_xx_ratio(w: &World) -> (f64, f64) {
    let mut total = 0.0;
    let mut errors = 0.0;
    for s in w
        .traffic
        .series()
        .iter()
        .filter(|s| s.name == "http_requests_total")
    {
        let code = s
            .labels
            .iter()
            .find(|(k, _)| k == "code")
            .map(|(_, v)| v.as_str())
            .unwrap_or("");
        total += s.value;
        if code.starts_with('5') {
            errors += s.value;
        }
    }
    (errors, total)
}

#[test]
fn bad_green_raises_the_5xx_ratio_once_it_gets_traffic() {
    let w = world("bad-green");
    w.run_for(Duration::from_secs(295), SEC).unwrap();
    let (e0, t0) = five_xx_ratio(&w);
    assert!(t0 > 0.0);
    assert!(e0 / t0 < 0.01, "healthy before the switch: {}", e0 / t0);
    let ok_before = w
        .traffic
        .success_ratio(Some("kubechat-api-gateway"), Duration::from_secs(30))
        .unwrap();
    w.run_for(Duration::from_secs(180), SEC).unwrap();
    let (e1, t1) = five_xx_ratio(&w);
    let recent = (e1 - e0) / (t1 - t0);
    assert!(recent > 0.05, "5xx ratio after the switch: {recent}");
    let ok_after = w
        .traffic
        .success_ratio(Some("kubechat-api-gateway"), Duration::from_secs(60))
        .unwrap();
    assert!(ok_after < ok_before - 0.05, "{ok_before} → {ok_after}");
    let green = w.with_store(|s| {
        s.list(resources::core("pods"), Some(NS))
            .into_iter()
            .find(|p| p["metadata"]["labels"]["deployment-slot"] == "green")
            .unwrap()
    });
    let log = w
        .with_store(|s| {
            s.logs().lines(
                NS,
                green["metadata"]["name"].as_str().unwrap(),
                "api-gateway",
                false,
            )
        })
        .unwrap();
    assert!(
        log.iter().any(|(_, l)| l.contains("status=503")),
        "the bad version logs its errors: {log:?}"
    );
}

#[test]
fn metrics_text_is_valid_prometheus_exposition() {
    let w = world("default");
    w.run_for(Duration::from_secs(30), SEC).unwrap();
    let text = w.traffic.render_text();
    for family in [
        "http_requests_total",
        "http_request_duration_seconds",
        "up",
        "container_cpu_usage_seconds_total",
        "container_memory_usage_bytes",
        "node_filesystem_avail_bytes",
        "node_filesystem_size_bytes",
        "probe_duration_seconds",
        "kubechat_auth_failures_total",
        "kubechat_rbac_denials_total",
        "kubechat_api_requests_total",
    ] {
        assert!(
            text.contains(&format!("# TYPE {family} ")),
            "{family} missing"
        );
    }
    assert!(text.contains("# TYPE http_request_duration_seconds histogram"));
    assert!(text.contains("http_request_duration_seconds_bucket{job=\"kubechat-api-gateway\",service=\"kubechat-api-gateway\",namespace=\"kubechat-system\",pod=\""));
    assert!(text.contains("le=\"+Inf\""));
    let promtool = std::path::Path::new("/usr/bin/promtool");
    if !promtool.exists() {
        skip::skip("the promtool check: /usr/bin/promtool is absent (apt-get install prometheus)");
        return;
    }
    let mut child = std::process::Command::new(promtool)
        .args(["check", "metrics"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("promtool starts");
    {
        use std::io::Write as _;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
    }
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    eprintln!(
        "promtool check metrics: exit {:?}\n{stdout}{stderr}",
        out.status.code()
    );
    // 0: well-formed and lint-clean (1 would be a format error, 3 a lint finding).
    assert_eq!(out.status.code(), Some(0), "promtool: {stdout}{stderr}");
}

#[test]
fn malformed_scenarios_name_file_line_and_problem() {
    let dir = std::env::temp_dir().join(format!("kubechat-sim-scenarios-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cases = [
        ("broken.yaml", "name: x\nobjects:\n  - apiVersion: v1\n    kind: [oops\n", "line 4"),
        ("unknown-action.yaml", "timeline:\n  - at: 10s\n    action: fail-backup\n  - at: 20s\n    action: launch-missiles\n", "line 4, column 5: timeline[1]: unknown variant `launch-missiles`"),
        ("no-kind.yaml", "objects:\n  - apiVersion: v1\n    kind: ConfigMap\n    metadata: {name: a}\n  - apiVersion: v1\n    metadata: {name: b}\n", "line 5, column 5: objects[1]: object \"b\" has no kind"),
        ("no-name.yaml", "objects:\n  - apiVersion: v1\n    kind: ConfigMap\n    metadata: {}\n", "has no metadata.name"),
        ("bad-duration.yaml", "timeline:\n  - at: soon\n    action: fail-backup\n", "invalid duration"),
    ];
    for (file, text, problem) in cases {
        let path = dir.join(file);
        std::fs::write(&path, text).unwrap();
        let err = scenario::load(path.to_str().unwrap())
            .unwrap_err()
            .to_string();
        eprintln!("{err}");
        assert!(err.contains(path.to_str().unwrap()), "{file}: {err}");
        assert!(err.contains("line "), "{file}: {err}");
        assert!(err.contains(problem), "{file}: {err}");
    }
    let missing = scenario::load("/nonexistent/scenario.yaml")
        .unwrap_err()
        .to_string();
    assert!(missing.contains("not a built-in scenario"), "{missing}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_settled_cluster_pass_writes_nothing() {
    let params = ScaleParams {
        deployments: 20,
        pods: 60,
        churn_per_sec: 0.0,
    };
    let w = World::new(Scenario::scale(params), SimClock::manual()).expect("seeds");
    w.run_for(Duration::from_secs(120), SEC).unwrap();
    let before = w.with_store(|s| s.resource_version());
    w.run_for(Duration::from_secs(5), SEC).unwrap();
    let after = w.with_store(|s| s.resource_version());
    assert_eq!(
        before, after,
        "a pass over settled objects changed something"
    );
}

/// Not a test of speed (no thresholds): prints what a pass costs at full scale, for the notes.
/// `cargo test --test sim_controllers -- --ignored --nocapture scale_pass`
#[test]
#[ignore]
fn scale_pass_cost_report() {
    let started = std::time::Instant::now();
    let w = World::new(Scenario::scale(ScaleParams::default()), SimClock::manual()).expect("seeds");
    eprintln!("seeded in {:?}", started.elapsed());
    let started = std::time::Instant::now();
    w.run_for(Duration::from_secs(10), SEC).unwrap();
    eprintln!("10 passes while starting 10k pods: {:?}", started.elapsed());
    let started = std::time::Instant::now();
    w.run_for(Duration::from_secs(20), Duration::from_millis(100))
        .unwrap();
    eprintln!(
        "200 passes of 100 ms at 200 pods/s churn: {:?}",
        started.elapsed()
    );
    let (pods, events) = w.with_store(|s| {
        (
            s.count(resources::core("pods")),
            s.count(resources::core("events")),
        )
    });
    eprintln!("pods {pods}, events {events}");
    assert!(pods >= 10_000);
}

/// What kube-rs clients will parse: every object the controllers wrote deserializes into
/// the k8s-openapi types.
#[test]
fn written_objects_parse_as_k8s_openapi_types() {
    use k8s_openapi::api::{apps::v1 as apps, batch::v1 as batch, core::v1 as core};
    fn all<T: serde::de::DeserializeOwned>(s: &Store, res: &'static resources::Resource) -> usize {
        let list = s.list(res, None);
        for o in &list {
            serde_json::from_value::<T>((**o).clone())
                .unwrap_or_else(|e| panic!("{} {}: {e}", res.kind, o["metadata"]["name"]));
        }
        list.len()
    }
    let w = world("stale-backup");
    w.run_for(Duration::from_secs(120), SEC).unwrap();
    w.apply_action(json!({"action": "set-image", "target": "deployment/kubechat-api-gateway-blue", "image": "harbor.company.com/kubechat/api-gateway:2.4.2"})).unwrap();
    w.run_for(Duration::from_secs(30), SEC).unwrap();
    w.with_store(|s| {
        assert!(all::<core::Pod>(s, resources::core("pods")) >= 18);
        assert!(all::<core::Event>(s, resources::core("events")) > 50);
        assert_eq!(all::<core::Node>(s, resources::core("nodes")), 3);
        assert!(all::<apps::Deployment>(s, resources::of("apps", "deployments")) >= 4);
        assert!(all::<apps::ReplicaSet>(s, resources::of("apps", "replicasets")) >= 5);
        assert_eq!(
            all::<batch::CronJob>(s, resources::of("batch", "cronjobs")),
            1
        );
        assert!(all::<batch::Job>(s, resources::of("batch", "jobs")) >= 1);
    });
}

#[test]
fn recreate_stops_old_pods_first_and_paused_deployments_wait() {
    let w = world("default");
    w.run_for(Duration::from_secs(20), SEC).unwrap();
    let deployments = resources::of("apps", "deployments");
    w.with_store(|s| {
        s.modify(deployments, NS, "postgres-primary", |d| {
            d["spec"]["paused"] = json!(true)
        })
        .unwrap()
    });
    w.apply_action(json!({"action": "set-image", "target": "deployment/postgres-primary", "image": "postgres:16.4"})).unwrap();
    w.run_for(Duration::from_secs(10), SEC).unwrap();
    let (d, sets) = w.with_store(|s| {
        let d = deploy(s, "postgres-primary");
        (
            d.clone(),
            owned_by(s, resources::of("apps", "replicasets"), &d),
        )
    });
    assert_eq!(
        sets.len(),
        1,
        "a paused deployment starts no new ReplicaSet"
    );
    assert_eq!(d["status"]["conditions"][1]["reason"], "DeploymentPaused");

    w.with_store(|s| {
        s.modify(deployments, NS, "postgres-primary", |d| {
            d["spec"]["paused"] = json!(false)
        })
        .unwrap()
    });
    let mut both_running = false;
    let done = |s: &Store| {
        let d = deploy(s, "postgres-primary");
        d["status"]["updatedReplicas"] == 1
            && d["status"]["availableReplicas"] == 1
            && d["status"]["replicas"] == 1
            && d["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "2"
    };
    let finished = w
        .run_until(Duration::from_secs(60), SEC, |s| {
            let d = deploy(s, "postgres-primary");
            let live: Vec<usize> = owned_by(s, resources::of("apps", "replicasets"), &d)
                .iter()
                .map(|rs| active_pods(s, rs).len())
                .collect();
            both_running |= live.iter().filter(|n| **n > 0).count() > 1;
            done(s)
        })
        .unwrap();
    assert!(finished);
    assert!(!both_running, "Recreate ran old and new pods together");
}

#[test]
fn promote_promote_full_and_abort_as_the_plugin_patches_them() {
    let w = world("default");
    let paused_at = |i: i64| {
        move |s: &Store| {
            let r = rollout(s);
            r["status"]["phase"] == "Paused" && r["status"]["currentStepIndex"] == i
        }
    };
    assert!(w
        .run_until(Duration::from_secs(180), SEC, paused_at(1))
        .unwrap());
    // `kubectl argo rollouts promote`: pauseConditions cleared, spec.paused false.
    w.with_store(|s| {
        s.modify(
            resources::of("argoproj.io", "rollouts"),
            NS,
            "kubechat-api-gateway",
            |r| {
                r["status"]["pauseConditions"] = Value::Null;
                r["spec"]["paused"] = json!(false);
            },
        )
        .unwrap()
    });
    assert!(
        w.run_until(Duration::from_secs(60), SEC, paused_at(3))
            .unwrap(),
        "promote skips the 2m pause"
    );
    // `promote --full`: status.promoteFull true → all steps skipped, Healthy on the new version.
    w.apply_action(json!({"action": "promote", "rollout": "kubechat-api-gateway", "full": true}))
        .unwrap();
    let healthy = |s: &Store| {
        let r = rollout(s);
        r["status"]["phase"] == "Healthy"
            && r["status"]["stableRS"] == r["status"]["currentPodHash"]
    };
    assert!(w.run_until(Duration::from_secs(120), SEC, healthy).unwrap());
    // A further update aborted by hand: Degraded, canary scaled away, analysis stopped.
    w.apply_action(json!({"action": "set-image", "target": "rollout/kubechat-api-gateway", "image": "harbor.company.com/kubechat/api-gateway:2.4.3"})).unwrap();
    assert!(w
        .run_until(Duration::from_secs(60), SEC, paused_at(1))
        .unwrap());
    w.apply_action(json!({"action": "abort", "rollout": "kubechat-api-gateway"}))
        .unwrap();
    w.run_for(Duration::from_secs(10), SEC).unwrap();
    let r = w.with_store(|s| rollout(s));
    assert_eq!(r["status"]["phase"], "Degraded");
    assert_eq!(
        r["status"]["message"],
        "RolloutAborted: Rollout aborted update to revision 3"
    );
    let runs = w.with_store(|s| owned_by(s, resources::of("argoproj.io", "analysisruns"), &r));
    assert!(
        runs.iter().all(|ar| ar["status"]["phase"] == "Successful"),
        "analysis stopped"
    );
    let events = w.with_store(|s| events_with(s, "RolloutAborted"));
    assert_eq!(events.len(), 1);
}

#[test]
fn crash_scale_and_backup_actions_take_effect() {
    let w = world("default");
    w.run_for(Duration::from_secs(20), SEC).unwrap();
    let pod = w.with_store(|s| {
        s.list(resources::core("pods"), Some(NS))
            .into_iter()
            .find(|p| p["metadata"]["labels"]["deployment-slot"] == "green")
            .unwrap()
    });
    let pod_name = pod["metadata"]["name"].as_str().unwrap().to_string();
    w.apply_action(json!({"action": "crash", "pod": pod_name, "reason": "out of memory"}))
        .unwrap();
    w.run_for(Duration::from_secs(2), SEC).unwrap();
    let crashed = w.with_store(|s| s.get(resources::core("pods"), NS, &pod_name).unwrap());
    assert_eq!(crashed["status"]["containerStatuses"][0]["restartCount"], 1);
    assert!(!ready(&crashed));
    let back = |s: &Store| ready(&s.get(resources::core("pods"), NS, &pod_name).unwrap());
    assert!(
        w.run_until(Duration::from_secs(30), SEC, back).unwrap(),
        "a single crash recovers after the back-off"
    );
    let previous = w
        .with_store(|s| s.logs().lines(NS, &pod_name, "api-gateway", true))
        .unwrap();
    assert!(
        previous.iter().any(|(_, l)| l.contains("out of memory")),
        "{previous:?}"
    );

    w.apply_action(json!({"action": "scale", "target": "deployment/kubechat-api-gateway-green", "replicas": 5})).unwrap();
    let five =
        |s: &Store| deploy(s, "kubechat-api-gateway-green")["status"]["availableReplicas"] == 5;
    assert!(w.run_until(Duration::from_secs(30), SEC, five).unwrap());

    let cronjobs = resources::of("batch", "cronjobs");
    let outcome = |w: &World| {
        let done = |s: &Store| {
            let cj = s.get(cronjobs, NS, "postgres-backup").unwrap();
            let jobs = owned_by(s, resources::of("batch", "jobs"), &cj);
            jobs.iter().any(|j| {
                j["metadata"]["annotations"]["cronjob.kubernetes.io/instantiate"] == "manual"
                    && !j["status"]["conditions"].is_null()
            })
        };
        assert!(w.run_until(Duration::from_secs(180), SEC, done).unwrap());
        w.with_store(|s| {
            let cj = s.get(cronjobs, NS, "postgres-backup").unwrap();
            let job = owned_by(s, resources::of("batch", "jobs"), &cj)
                .into_iter()
                .find(|j| {
                    j["metadata"]["annotations"]["cronjob.kubernetes.io/instantiate"] == "manual"
                })
                .unwrap();
            let reason = job["status"]["conditions"][1]["type"]
                .as_str()
                .unwrap()
                .to_string();
            s.delete(
                resources::of("batch", "jobs"),
                NS,
                job["metadata"]["name"].as_str().unwrap(),
                Default::default(),
            )
            .unwrap();
            reason
        })
    };
    w.apply_action(json!({"action": "fail-backup"})).unwrap();
    w.apply_action(json!({"action": "run-job", "cronjob": "postgres-backup"}))
        .unwrap();
    assert_eq!(outcome(&w), "Failed");
    w.apply_action(json!({"action": "fix-backup"})).unwrap();
    w.apply_action(json!({"action": "run-job", "cronjob": "postgres-backup"}))
        .unwrap();
    assert_eq!(outcome(&w), "Complete");
}
