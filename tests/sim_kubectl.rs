//! The simulated API server driven by the real kubectl (1.33), as the runbooks drive it.
//! Without a kubectl every test skips with a reason that says where it looked (and fails
//! under CI: `support/skip.rs`).

#[path = "support/skip.rs"]
mod skip;
#[path = "support/kubectl.rs"]
mod support_kubectl;

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use kubechat_sim::server::logs;
use kubechat_sim::{SimHandle, SimOptions};
use serde_json::Value;
use support_kubectl::{kubectl_path, kubectl_present};
use tokio::io::{AsyncBufReadExt, BufReader, Lines};
use tokio::process::{ChildStdout, Command};

const DEADLINE: Duration = Duration::from_secs(20);

const OBJECTS: &str = r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, labels: {app: web}}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: app, image: "kubechat/api:1.0"}]}
---
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: web-abc, labels: {app: web}}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: app, image: "kubechat/api:1.0"}]}
---
apiVersion: v1
kind: Pod
metadata: {name: web-pod, labels: {app: web}}
spec: {containers: [{name: app, image: "kubechat/api:1.0"}]}
---
apiVersion: v1
kind: Service
metadata: {name: kubechat-api-gateway}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080, protocol: TCP}]
  clusterIP: 10.96.0.10
---
apiVersion: v1
kind: ConfigMap
metadata: {name: kubechat-config}
data: {LOG_LEVEL: info}
---
apiVersion: v1
kind: Secret
metadata: {name: pg-creds}
stringData: {password: hunter2}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: backup}
---
apiVersion: v1
kind: Event
metadata: {name: web-pod.1}
involvedObject: {kind: Pod, name: web-pod, namespace: kubechat-system}
reason: Scheduled
message: Successfully assigned kubechat-system/web-pod
type: Normal
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: postgres-backup}
spec:
  schedule: "0 2 * * *"
  jobTemplate:
    spec:
      backoffLimit: 0
      template:
        spec:
          restartPolicy: OnFailure
          containers:
          - name: backup
            image: postgres:16
            command: [sh, -c, "pg_dump > /backup/db.sql"]
            env:
            - {name: PGHOST, value: postgres}
            - name: PGPASSWORD
              valueFrom: {secretKeyRef: {name: pg-creds, key: password}}
            resources: {limits: {memory: 256Mi}}
            volumeMounts: [{name: backup, mountPath: /backup}]
          volumes: [{name: backup, emptyDir: {}}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: reader}
rules: [{apiGroups: [""], resources: [pods], verbs: [get]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: backup-admin}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects: [{kind: ServiceAccount, name: backup, namespace: kubechat-system}]
---
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: kubechat-api}
spec:
  replicas: 4
  selector: {matchLabels: {app: kubechat-api}}
  template:
    metadata: {labels: {app: kubechat-api}}
    spec: {containers: [{name: api, image: "kubechat/api:1.0"}]}
  strategy: {canary: {steps: [{setWeight: 20}, {pause: {}}]}}
---
apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata: {name: success-rate}
spec: {metrics: [{name: success-rate, successCondition: "result[0] >= 0.99"}]}
---
apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata: {name: postgres}
spec: {instances: 3}
---
apiVersion: postgresql.cnpg.io/v1
kind: Backup
metadata: {name: postgres-base}
spec: {cluster: {name: postgres}, method: barmanObjectStore}
"#;

struct Kubectl {
    sim: SimHandle,
    kubeconfig: PathBuf,
    dir: PathBuf,
}

static NEXT_DIR: AtomicU32 = AtomicU32::new(0);

impl Kubectl {
    /// A simulator with no scenario objects: the tests create their own.
    async fn start() -> Kubectl {
        let dir = std::env::temp_dir().join(format!(
            "kubechat-sim-kubectl-{}-{}",
            std::process::id(),
            NEXT_DIR.fetch_add(1, Ordering::SeqCst)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let scenario = dir.join("empty.yaml");
        std::fs::write(&scenario, "name: kubectl-test\n").unwrap();
        Kubectl::start_with(dir, scenario.to_str().unwrap(), 1.0).await
    }

    /// A simulator playing `scenario` (a built-in name or a file).
    async fn start_scenario(scenario: &str, speed: f64) -> Kubectl {
        let dir = std::env::temp_dir().join(format!(
            "kubechat-sim-kubectl-{}-{}",
            std::process::id(),
            NEXT_DIR.fetch_add(1, Ordering::SeqCst)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Kubectl::start_with(dir, scenario, speed).await
    }

    async fn start_with(dir: PathBuf, scenario: &str, speed: f64) -> Kubectl {
        let sim = SimHandle::start(SimOptions {
            scenario: scenario.into(),
            speed,
            ..SimOptions::default()
        })
        .await
        .expect("the simulator starts");
        let kubeconfig = dir.join("kubeconfig");
        sim.write_kubeconfig(&kubeconfig).unwrap();
        Kubectl {
            sim,
            kubeconfig,
            dir,
        }
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(kubectl_path());
        cmd.arg("--kubeconfig").arg(&self.kubeconfig).args(args);
        cmd.env("HOME", &self.dir)
            .env("KUBECACHEDIR", self.dir.join("cache"));
        cmd.kill_on_drop(true);
        cmd
    }

    /// Runs kubectl; returns (success, stdout, stderr).
    async fn run(&self, args: &[&str]) -> (bool, String, String) {
        let out = tokio::time::timeout(DEADLINE, self.command(args).output())
            .await
            .expect("kubectl finished before the deadline")
            .expect("kubectl runs");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// Runs kubectl and insists it succeeds; returns stdout.
    async fn ok(&self, args: &[&str]) -> String {
        let (ok, out, err) = self.run(args).await;
        assert!(ok, "kubectl {args:?} failed:\n{err}\n{out}");
        out
    }

    /// Runs kubectl until its output satisfies `want` (the cluster reaches a state), within
    /// the deadline; returns that output.
    async fn wait_for(&self, args: &[&str], want: impl Fn(&str) -> bool) -> String {
        let deadline = tokio::time::Instant::now() + DEADLINE;
        loop {
            let (ok, out, err) = self.run(args).await;
            if ok && want(&out) {
                return out;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "kubectl {args:?} never printed what was expected:\n{err}\n{out}"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    async fn apply_objects(&self) {
        let file = self.dir.join("objects.yaml");
        std::fs::write(&file, OBJECTS).unwrap();
        self.ok(&["create", "-f", file.to_str().unwrap()]).await;
    }

    async fn json(&self, args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.extend(["-o", "json"]);
        serde_json::from_str(&self.ok(&all).await).expect("kubectl printed JSON")
    }

    async fn finish(self) {
        let _ = std::fs::remove_dir_all(&self.dir);
        self.sim.shutdown().await;
    }
}

/// Reads lines until one satisfies `want`, within the deadline.
async fn line_matching(
    lines: &mut Lines<BufReader<ChildStdout>>,
    want: impl Fn(&str) -> bool,
) -> String {
    tokio::time::timeout(DEADLINE, async {
        while let Some(line) = lines.next_line().await.expect("reading kubectl output") {
            if want(&line) {
                return line;
            }
        }
        panic!("kubectl ended before printing the expected line");
    })
    .await
    .expect("the expected line arrived before the deadline")
}

fn columns(line: &str) -> Vec<&str> {
    line.split("  ")
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect()
}

#[tokio::test]
async fn api_resources_lists_every_kind() {
    if !kubectl_present() {
        return;
    }
    let k = Kubectl::start().await;
    let out = k.ok(&["api-resources"]).await;
    for kind in [
        "Pod",
        "Deployment",
        "ReplicaSet",
        "CronJob",
        "Job",
        "Rollout",
        "AnalysisTemplate",
        "AnalysisRun",
        "Cluster",
        "Backup",
        "CustomResourceDefinition",
        "SelfSubjectAccessReview",
        "ClusterRoleBinding",
        "PersistentVolumeClaim",
        "Node",
    ] {
        assert!(
            out.lines()
                .any(|l| l.trim_end().ends_with(&format!(" {kind}"))),
            "{kind} missing from:\n{out}"
        );
    }
    let version = k.ok(&["version"]).await;
    assert!(version.contains("Server Version: v1.33"), "{version}");
    k.finish().await;
}

#[tokio::test]
async fn get_prints_every_kind_with_its_columns() {
    if !kubectl_present() {
        return;
    }
    let k = Kubectl::start().await;
    k.apply_objects().await;
    let cases: &[(&str, &str, &[&str])] = &[
        (
            "deployments",
            "web",
            &["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"],
        ),
        (
            "replicasets",
            "web-abc",
            &["NAME", "DESIRED", "CURRENT", "READY", "AGE"],
        ),
        (
            "pods",
            "web-pod",
            &["NAME", "READY", "STATUS", "RESTARTS", "AGE"],
        ),
        (
            "services",
            "kubechat-api-gateway",
            &[
                "NAME",
                "TYPE",
                "CLUSTER-IP",
                "EXTERNAL-IP",
                "PORT(S)",
                "AGE",
            ],
        ),
        ("configmaps", "kubechat-config", &["NAME", "DATA", "AGE"]),
        ("secrets", "pg-creds", &["NAME", "TYPE", "DATA", "AGE"]),
        ("serviceaccounts", "backup", &["NAME", "SECRETS", "AGE"]),
        (
            "cronjobs",
            "postgres-backup",
            &[
                "NAME",
                "SCHEDULE",
                "TIMEZONE",
                "SUSPEND",
                "ACTIVE",
                "LAST SCHEDULE",
                "AGE",
            ],
        ),
        ("roles", "reader", &["NAME", "CREATED AT"]),
        (
            "clusterrolebindings",
            "backup-admin",
            &["NAME", "ROLE", "AGE"],
        ),
        (
            "rollouts.argoproj.io",
            "kubechat-api",
            &[
                "NAME",
                "DESIRED",
                "CURRENT",
                "UP-TO-DATE",
                "AVAILABLE",
                "AGE",
            ],
        ),
        (
            "analysistemplates.argoproj.io",
            "success-rate",
            &["NAME", "AGE"],
        ),
        (
            "clusters.postgresql.cnpg.io",
            "postgres",
            &["NAME", "AGE", "INSTANCES", "READY", "STATUS", "PRIMARY"],
        ),
        (
            "backups.postgresql.cnpg.io",
            "postgres-base",
            &["NAME", "AGE", "CLUSTER", "METHOD", "PHASE", "ERROR"],
        ),
        (
            "customresourcedefinitions",
            "rollouts.argoproj.io",
            &["NAME", "CREATED AT"],
        ),
        ("namespaces", "kubechat-system", &["NAME", "STATUS", "AGE"]),
    ];
    for (kind, name, header) in cases {
        let out = k.ok(&["get", kind, name]).await;
        let mut lines = out.lines();
        assert_eq!(
            columns(lines.next().unwrap_or("")),
            *header,
            "header of {kind}:\n{out}"
        );
        let row = lines.next().unwrap_or("");
        assert_eq!(columns(row).first(), Some(name), "row of {kind}:\n{out}");
    }
    let svc = k.ok(&["get", "svc", "kubechat-api-gateway"]).await;
    assert!(
        svc.contains("10.96.0.10") && svc.contains("80/TCP"),
        "{svc}"
    );
    let rollout = k.ok(&["get", "ro", "kubechat-api", "--no-headers"]).await;
    assert_eq!(
        columns(&rollout)[1],
        "4",
        "DESIRED from .spec.replicas: {rollout}"
    );
    let events = k.ok(&["get", "events"]).await;
    assert!(
        events.contains("pod/web-pod") && events.contains("Scheduled"),
        "{events}"
    );
    let all = k.ok(&["get", "all"]).await;
    assert!(
        all.contains("deployment.apps/web") && all.contains("rollout.argoproj.io/kubechat-api"),
        "{all}"
    );
    let (ok, _, err) = k.run(&["get", "pod", "missing"]).await;
    assert!(!ok && err.contains("pods \"missing\" not found"), "{err}");
    k.finish().await;
}

#[tokio::test]
async fn output_as_json_and_yaml() {
    if !kubectl_present() {
        return;
    }
    let k = Kubectl::start().await;
    k.apply_objects().await;
    let deploy = k.json(&["get", "deploy", "web"]).await;
    assert_eq!(deploy["kind"], "Deployment");
    assert_eq!(deploy["spec"]["replicas"], 2);
    let list = k.json(&["get", "pods", "-l", "app=web"]).await;
    assert_eq!(list["kind"], "List");
    let names: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["metadata"]["name"].as_str())
        .collect();
    assert!(names.contains(&"web-pod"), "{names:?}");
    let secret = k.json(&["get", "secret", "pg-creds"]).await;
    assert_eq!(secret["data"]["password"], "aHVudGVyMg==");
    let yaml = k
        .ok(&["get", "rollout", "kubechat-api", "-o", "yaml"])
        .await;
    let parsed: Value = serde_yaml_ng::from_str(&yaml).expect("kubectl printed YAML");
    assert_eq!(
        parsed["spec"]["strategy"]["canary"]["steps"][0]["setWeight"],
        20
    );
    let name = k
        .ok(&[
            "get",
            "cm",
            "kubechat-config",
            "-o",
            "jsonpath={.data.LOG_LEVEL}",
        ])
        .await;
    assert_eq!(name, "info");
    k.finish().await;
}

#[tokio::test]
async fn get_watch_sees_a_change() {
    if !kubectl_present() {
        return;
    }
    let k = Kubectl::start().await;
    k.apply_objects().await;
    let mut child = k
        .command(&["get", "deploy", "web", "-w"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    // The controllers roll the Deployment out: the watch sees it become ready.
    line_matching(&mut lines, |l| {
        l.starts_with("web ") && columns(l)[1] == "2/2"
    })
    .await;
    k.ok(&["scale", "deploy", "web", "--replicas=5"]).await;
    line_matching(&mut lines, |l| {
        l.starts_with("web ") && columns(l)[1].ends_with("/5")
    })
    .await;
    line_matching(&mut lines, |l| {
        l.starts_with("web ") && columns(l)[1] == "5/5"
    })
    .await;
    child.kill().await.unwrap();

    let mut pods = k
        .command(&["get", "pods", "-w", "-o", "name"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(pods.stdout.take().unwrap()).lines();
    line_matching(&mut lines, |l| l == "pod/web-pod").await;
    k.ok(&["run", "late", "--image=busybox", "--restart=Never"])
        .await;
    line_matching(&mut lines, |l| l == "pod/late").await;
    pods.kill().await.unwrap();
    k.finish().await;
}

#[tokio::test]
async fn scale_patch_label_annotate_and_delete() {
    if !kubectl_present() {
        return;
    }
    let k = Kubectl::start().await;
    k.apply_objects().await;
    assert_eq!(
        k.ok(&["scale", "deploy/web", "--replicas=3"]).await.trim(),
        "deployment.apps/web scaled"
    );
    assert_eq!(
        k.json(&["get", "deploy", "web"]).await["spec"]["replicas"],
        3
    );
    k.ok(&["scale", "rollout/kubechat-api", "--replicas=6"])
        .await;
    assert_eq!(
        k.json(&["get", "rollout", "kubechat-api"]).await["spec"]["replicas"],
        6
    );

    k.ok(&["patch", "deploy", "web", "-p", r#"{"spec":{"template":{"spec":{"containers":[{"name":"app","image":"kubechat/api:1.1"}]}}}}"#]).await;
    let d = k.json(&["get", "deploy", "web"]).await;
    assert_eq!(
        d["spec"]["template"]["spec"]["containers"][0]["image"],
        "kubechat/api:1.1"
    );
    assert_eq!(
        d["metadata"]["generation"], 3,
        "scale and image change bump the generation"
    );
    k.ok(&[
        "patch",
        "rollout",
        "kubechat-api",
        "--type",
        "merge",
        "-p",
        r#"{"spec":{"paused":true}}"#,
    ])
    .await;
    assert_eq!(
        k.json(&["get", "rollout", "kubechat-api"]).await["spec"]["paused"],
        true
    );
    k.ok(&[
        "patch",
        "deploy",
        "web",
        "--type",
        "json",
        "-p",
        r#"[{"op":"replace","path":"/spec/replicas","value":1}]"#,
    ])
    .await;
    assert_eq!(
        k.json(&["get", "deploy", "web"]).await["spec"]["replicas"],
        1
    );
    let (ok, _, err) = k
        .run(&[
            "patch",
            "rollout",
            "kubechat-api",
            "-p",
            r#"{"spec":{"paused":false}}"#,
        ])
        .await;
    assert!(
        !ok && err.contains("not supported"),
        "strategic merge on a CR: {err}"
    );

    k.ok(&["label", "deploy", "web", "tier=front"]).await;
    k.ok(&["annotate", "deploy", "web", "owner=ops"]).await;
    let d = k.json(&["get", "deploy", "web"]).await;
    assert_eq!(
        (
            d["metadata"]["labels"]["tier"].as_str(),
            d["metadata"]["annotations"]["owner"].as_str()
        ),
        (Some("front"), Some("ops"))
    );
    assert_eq!(
        k.ok(&["get", "deploy", "-l", "tier=front", "-o", "name"])
            .await
            .trim(),
        "deployment.apps/web"
    );
    k.ok(&["label", "deploy", "web", "tier-"]).await;
    assert!(
        k.json(&["get", "deploy", "web"]).await["metadata"]["labels"]
            .get("tier")
            .is_none()
    );

    assert_eq!(
        k.ok(&["delete", "pod", "web-pod"]).await.trim(),
        "pod \"web-pod\" deleted"
    );
    let (ok, _, err) = k.run(&["get", "pod", "web-pod"]).await;
    assert!(!ok && err.contains("not found"), "{err}");
    k.ok(&["delete", "cm", "-l", "app!=nothing"]).await;
    assert!(k.json(&["get", "cm"]).await["items"]
        .as_array()
        .unwrap()
        .is_empty());
    k.finish().await;
}

#[tokio::test]
async fn create_job_from_cronjob_copies_the_template() {
    if !kubectl_present() {
        return;
    }
    let k = Kubectl::start().await;
    k.apply_objects().await;
    assert_eq!(
        k.ok(&[
            "create",
            "job",
            "--from=cronjob/postgres-backup",
            "backup-manual"
        ])
        .await
        .trim(),
        "job.batch/backup-manual created"
    );
    let job = k.json(&["get", "job", "backup-manual"]).await;
    let cron = k.json(&["get", "cronjob", "postgres-backup"]).await;
    assert_eq!(
        job["spec"]["template"]["metadata"]["labels"]["job-name"],
        "backup-manual"
    );
    assert_eq!(
        job["spec"]["template"]["spec"], cron["spec"]["jobTemplate"]["spec"]["template"]["spec"],
        "kubectl sends the Job as protobuf; it must decode to the template"
    );
    assert_eq!(job["spec"]["backoffLimit"], 0);
    assert_eq!(
        job["metadata"]["annotations"]["cronjob.kubernetes.io/instantiate"],
        "manual"
    );
    assert_eq!(
        job["metadata"]["ownerReferences"][0]["name"],
        "postgres-backup"
    );
    let jobs = k.ok(&["get", "jobs"]).await;
    assert!(
        jobs.lines().any(|l| l.starts_with("backup-manual ")),
        "{jobs}"
    );
    k.finish().await;
}

/// Every field of `want` is in `got` with the same value (`got` may have defaults).
fn assert_subset(want: &Value, got: &Value, path: &str) {
    match (want, got) {
        (Value::Object(w), Value::Object(g)) => {
            for (k, v) in w {
                if k == "creationTimestamp" && v.is_null() {
                    continue;
                }
                let gv = g.get(k).unwrap_or(&Value::Null);
                assert_subset(v, gv, &format!("{path}.{k}"));
            }
        }
        (Value::Array(w), Value::Array(g)) if w.len() == g.len() => {
            for (i, (a, b)) in w.iter().zip(g).enumerate() {
                assert_subset(a, b, &format!("{path}[{i}]"));
            }
        }
        // `{}` or `{"creationTimestamp": null}`: Go's JSON for an empty ObjectMeta.
        (Value::Object(w), Value::Null)
            if w.iter()
                .all(|(k, v)| k == "creationTimestamp" && v.is_null()) => {}
        _ => assert_eq!(want, got, "at {path}"),
    }
}

#[tokio::test]
async fn kubectl_create_commands_sent_as_protobuf_arrive_intact() {
    if !kubectl_present() {
        return;
    }
    let k = Kubectl::start().await;
    let commands: &[(&str, &[&str])] = &[
        (
            "deployment/api",
            &[
                "create",
                "deployment",
                "api",
                "--image=kubechat/api:1.2",
                "--replicas=3",
                "--port=8080",
            ],
        ),
        (
            "cronjob/nightly",
            &[
                "create",
                "cronjob",
                "nightly",
                "--image=postgres:16",
                "--schedule=0 3 * * *",
                "--",
                "pg_dump",
                "-v",
            ],
        ),
        (
            "service/gw",
            &[
                "create",
                "service",
                "clusterip",
                "gw",
                "--tcp=80:8080",
                "--tcp=443:8443",
            ],
        ),
        (
            "configmap/settings",
            &[
                "create",
                "configmap",
                "settings",
                "--from-literal=LOG_LEVEL=debug",
                "--from-literal=MODE=demo",
            ],
        ),
        (
            "secret/token",
            &[
                "create",
                "secret",
                "generic",
                "token",
                "--from-literal=value=s3cret",
            ],
        ),
        ("namespace/scratch", &["create", "namespace", "scratch"]),
        (
            "serviceaccount/robot",
            &["create", "serviceaccount", "robot"],
        ),
    ];
    for (object, args) in commands {
        let mut dry = args.to_vec();
        let at = dry.iter().position(|a| *a == "--").unwrap_or(dry.len());
        dry.splice(at..at, ["--dry-run=client", "-o", "json"]);
        let sent: Value = serde_json::from_str(&k.ok(&dry).await).unwrap();
        k.ok(args).await;
        let stored = k.json(&["get", object]).await;
        assert_subset(&sent, &stored, object);
    }
    k.finish().await;
}

#[tokio::test]
async fn logs_tail_previous_and_follow() {
    if !kubectl_present() {
        return;
    }
    let k = Kubectl::start().await;
    k.apply_objects().await;
    let sim = k.sim.shared();
    // The simulated kubelet starts web-pod and writes its start-up line first.
    k.wait_for(&["logs", "web-pod"], |out| out.contains("started"))
        .await;
    for i in 1..=3 {
        logs::append(
            &sim,
            "kubechat-system",
            "web-pod",
            "app",
            &format!("line {i}"),
        );
    }
    let all = k.ok(&["logs", "web-pod"]).await;
    assert!(
        all.ends_with("started\"\nline 1\nline 2\nline 3\n"),
        "{all}"
    );
    assert_eq!(k.ok(&["logs", "web-pod", "--tail=1"]).await, "line 3\n");
    assert_eq!(
        k.ok(&["logs", "web-pod", "--since=1h"])
            .await
            .lines()
            .count(),
        all.lines().count()
    );
    let stamped = k.ok(&["logs", "web-pod", "--timestamps", "--tail=1"]).await;
    let (time, text) = stamped.trim_end().split_once(' ').unwrap();
    assert!(
        time.parse::<jiff::Timestamp>().is_ok() && text == "line 3",
        "{stamped}"
    );
    assert_eq!(
        k.ok(&["logs", "deploy/web", "--tail=1"])
            .await
            .lines()
            .count(),
        1
    );
    let (ok, _, err) = k.run(&["logs", "web-pod", "--previous"]).await;
    assert!(
        !ok && err.contains("previous terminated container"),
        "{err}"
    );
    sim.store
        .lock()
        .unwrap()
        .restart_container_log("kubechat-system", "web-pod", "app");
    let previous = k.ok(&["logs", "web-pod", "-p"]).await;
    assert!(previous.ends_with("line 1\nline 2\nline 3\n"), "{previous}");

    let mut follow = k
        .command(&["logs", "-f", "web-pod"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(follow.stdout.take().unwrap()).lines();
    logs::append(&sim, "kubechat-system", "web-pod", "app", "after restart");
    line_matching(&mut lines, |l| l == "after restart").await;
    logs::append(&sim, "kubechat-system", "web-pod", "app", "still following");
    line_matching(&mut lines, |l| l == "still following").await;
    k.ok(&["delete", "pod", "web-pod", "--wait=false"]).await;
    let ended = tokio::time::timeout(DEADLINE, follow.wait())
        .await
        .expect("logs -f ends when the pod is deleted");
    assert!(ended.is_ok());
    k.finish().await;
}

#[tokio::test]
async fn auth_can_i_answers_yes() {
    if !kubectl_present() {
        return;
    }
    let k = Kubectl::start().await;
    assert_eq!(
        k.ok(&["auth", "can-i", "delete", "pods"]).await.trim(),
        "yes"
    );
    assert_eq!(
        k.ok(&[
            "auth",
            "can-i",
            "patch",
            "rollouts.argoproj.io",
            "-n",
            "kubechat-system"
        ])
        .await
        .trim(),
        "yes"
    );
    k.finish().await;
}

#[tokio::test]
async fn rollout_status_restart_and_undo() {
    if !kubectl_present() {
        return;
    }
    let k = Kubectl::start().await;
    k.apply_objects().await;
    let status = k
        .ok(&["rollout", "status", "deploy/web", "--timeout=60s"])
        .await;
    assert!(status.contains("successfully rolled out"), "{status}");
    k.ok(&["rollout", "restart", "deploy/web"]).await;
    let d = k.json(&["get", "deploy", "web"]).await;
    assert!(
        d["spec"]["template"]["metadata"]["annotations"]["kubectl.kubernetes.io/restartedAt"]
            .is_string()
    );
    k.ok(&["rollout", "status", "deploy/web", "--timeout=60s"])
        .await;
    k.ok(&["set", "image", "deploy/web", "app=kubechat/api:2.0"])
        .await;
    k.ok(&["rollout", "status", "deploy/web", "--timeout=60s"])
        .await;
    let history = k.ok(&["rollout", "history", "deploy/web"]).await;
    assert!(history.contains("REVISION"), "{history}");
    k.ok(&["rollout", "undo", "deploy/web"]).await;
    k.ok(&["rollout", "status", "deploy/web", "--timeout=60s"])
        .await;
    let d = k.json(&["get", "deploy", "web"]).await;
    assert_eq!(
        d["spec"]["template"]["spec"]["containers"][0]["image"],
        "kubechat/api:1.0"
    );
    k.finish().await;
}

#[tokio::test]
async fn logs_of_a_crash_looping_pod_say_why() {
    if !kubectl_present() {
        return;
    }
    // The crashloop scenario sets a crashing image at 30 s of simulated time.
    let k = Kubectl::start_scenario("crashloop", 20.0).await;
    let broken = k
        .wait_for(&["get", "pods", "-o", "json"], |out| {
            crashing_pod(out).is_some()
        })
        .await;
    let pod = crashing_pod(&broken).expect("a crash-looping pod");
    let current = k
        .wait_for(&["logs", &pod], |out| out.contains("fatal"))
        .await;
    assert!(current.contains("KUBECHAT_DB_DSN is missing"), "{current}");
    let previous = k
        .wait_for(&["logs", &pod, "--previous"], |out| out.contains("fatal"))
        .await;
    assert!(
        previous.contains("KUBECHAT_DB_DSN is missing"),
        "{previous}"
    );
    assert!(previous.contains("exit status 1"), "{previous}");
    k.finish().await;
}

/// The name of a pod running the crashloop scenario's broken image that has restarted.
fn crashing_pod(pods_json: &str) -> Option<String> {
    let pods: Value = serde_json::from_str(pods_json).ok()?;
    pods["items"].as_array()?.iter().find_map(|p| {
        let broken = p["spec"]["containers"][0]["image"]
            .as_str()
            .is_some_and(|i| i.ends_with("2.4.3-broken"));
        let restarted = p["status"]["containerStatuses"][0]["restartCount"]
            .as_i64()
            .is_some_and(|n| n >= 1);
        (broken && restarted).then(|| p["metadata"]["name"].as_str().map(String::from))?
    })
}

#[tokio::test]
async fn core_events_are_listed_as_events_k8s_io() {
    if !kubectl_present() {
        return;
    }
    let k = Kubectl::start().await;
    k.apply_objects().await;
    // The controllers write core/v1 Events (e.g. the kubelet's Scheduled for web-pod); the
    // server converts them for events.k8s.io/v1.
    let converted = k
        .wait_for(&["get", "events.v1.events.k8s.io", "-o", "json"], |out| {
            out.contains("\"note\": \"Successfully assigned kubechat-system/web-pod")
        })
        .await;
    let list: Value = serde_json::from_str(&converted).expect("kubectl printed JSON");
    let scheduled = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["metadata"]["name"] == "web-pod.1")
        .expect("the core/v1 Event created with the objects");
    assert_eq!(scheduled["apiVersion"], "events.k8s.io/v1");
    assert_eq!(scheduled["regarding"]["name"], "web-pod");
    assert_eq!(scheduled["reason"], "Scheduled");
    let events = k.ok(&["events"]).await;
    assert!(
        events.contains("Scheduled") && events.contains("Pod/web-pod"),
        "{events}"
    );
    k.finish().await;
}

#[tokio::test]
async fn auth_can_i_follows_the_scenario_permissions() {
    if !kubectl_present() {
        return;
    }
    let file = std::env::temp_dir().join(format!(
        "kubechat-sim-permissions-{}.yaml",
        std::process::id()
    ));
    std::fs::write(
        &file,
        "name: restricted\npermissions:\n  deny:\n    - {verb: delete, resource: deployments}\n    - {verb: patch, resource: rollouts.argoproj.io}\n",
    )
    .unwrap();
    let k = Kubectl::start_scenario(file.to_str().unwrap(), 1.0).await;
    let (ok, out, _) = k.run(&["auth", "can-i", "delete", "deployments"]).await;
    assert!(!ok && out.starts_with("no"), "{out}");
    let (ok, out, _) = k
        .run(&["auth", "can-i", "patch", "rollouts.argoproj.io"])
        .await;
    assert!(!ok && out.starts_with("no"), "{out}");
    assert_eq!(
        k.ok(&["auth", "can-i", "get", "deployments"]).await.trim(),
        "yes"
    );
    assert_eq!(
        k.ok(&["auth", "can-i", "delete", "pods"]).await.trim(),
        "yes"
    );
    let _ = std::fs::remove_file(&file);
    k.finish().await;
}

#[tokio::test]
async fn writes_a_real_server_refuses_are_refused_as_it_refuses_them() {
    if !kubectl_present() {
        return;
    }
    let k = Kubectl::start().await;
    let file = k.dir.join("bad.yaml");
    let deployment = |name: &str, replicas: &str, template_app: &str| {
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: {name}}}\nspec:\n  replicas: {replicas}\n  selector: {{matchLabels: {{app: web}}}}\n  template:\n    metadata: {{labels: {{app: {template_app}}}}}\n    spec: {{containers: [{{name: app, image: \"kubechat/api:1.0\"}}]}}\n"
        )
    };
    std::fs::write(&file, deployment("web-x", "\"three\"", "web")).unwrap();
    let (ok, out, err) = k.run(&["apply", "-f", file.to_str().unwrap()]).await;
    assert!(!ok, "{out}");
    assert!(
        err.contains(r#"The Deployment "web-x" is invalid: spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string""#),
        "{err}"
    );
    std::fs::write(&file, deployment("web-y", "1", "other")).unwrap();
    let (ok, _, err) = k.run(&["create", "-f", file.to_str().unwrap()]).await;
    assert!(!ok);
    assert!(
        err.contains(r#"The Deployment "web-y" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{"app":"other"}: `selector` does not match template `labels`"#),
        "{err}"
    );
    let (ok, _, err) = k.run(&["create", "configmap", "Bad_Name"]).await;
    assert!(!ok);
    assert!(
        // `create configmap` prints the Status message as it is (`apply`, the details).
        err.contains(r#"error: failed to create configmap: ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of"#),
        "{err}"
    );
    // A patch is checked once applied.
    std::fs::write(&file, deployment("web-z", "1", "web")).unwrap();
    k.ok(&["apply", "-f", file.to_str().unwrap()]).await;
    let (ok, _, err) = k
        .run(&[
            "patch",
            "deployment",
            "web-z",
            "--type=json",
            "-p",
            r#"[{"op": "remove", "path": "/spec/template/spec/containers/0/image"}]"#,
        ])
        .await;
    assert!(!ok);
    assert!(
        err.contains(r#"The Deployment "web-z" is invalid: spec.template.spec.containers[0].image: Required value"#),
        "{err}"
    );
    // Nothing invalid was stored.
    let names = k.ok(&["get", "deployments", "-o", "name"]).await;
    assert_eq!(names.trim(), "deployment.apps/web-z");
    k.finish().await;
}

#[tokio::test]
async fn event_ages_are_sane_at_speed_10() {
    if !kubectl_present() {
        return;
    }
    // The default scenario at ten times real time: its controllers record events at once.
    let k = Kubectl::start_scenario("default", 10.0).await;
    tokio::time::sleep(Duration::from_secs(4)).await;
    let events = k
        .wait_for(&["events", "-A"], |out| out.lines().count() > 3)
        .await;
    assert!(!events.contains("<invalid>"), "{events}");
    // Every LAST SEEN is within the few real seconds the test has run.
    for line in events.lines().skip(1) {
        let last_seen = columns(line)[1];
        assert!(
            last_seen.ends_with('s') && !last_seen.contains('m'),
            "{last_seen} in {line}"
        );
    }
    let table = k.ok(&["get", "events", "-A"]).await;
    assert!(!table.contains("<invalid>"), "{table}");
    // The controllers still run at speed: the scenario's canary update, due one simulated
    // minute in, has started after six real seconds.
    k.wait_for(
        &["get", "rollout", "kubechat-api-gateway", "-o", "yaml"],
        |out| out.contains("api-gateway:2.4.2"),
    )
    .await;
    k.finish().await;
}
