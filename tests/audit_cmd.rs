//! `kubechat-ops audit` (issue 13) against the simulated cluster: the built binary reads
//! it through a kubeconfig (kube-rs lists over HTTP). The default scenario seeds exactly
//! three problems — a pod running as root, a privileged container with a hostPath volume,
//! a service account bound to cluster-admin — and the audit finds exactly those, no more,
//! also after the canary update replaced pods; the seed's three kubectl commands (the real
//! kubectl) find nothing ours does not; exit codes 0/1/2 and `--fail-on`.

#[path = "support/bin.rs"]
mod bin;
#[path = "support/kubectl.rs"]
mod kubectl;
#[path = "support/skip.rs"]
mod skip;

#[path = "support/sim_cluster.rs"]
mod sim_cluster;

use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;

use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, ListParams, PostParams};
use kubechat_sim::SimOptions;
use serde_json::{json, Value};
use sim_cluster::Cluster;
use tokio::process::Command;

const NS: &str = "kubechat-system";
/// A bound on one run (never a sleep: runs end by themselves).
const DEADLINE: Duration = Duration::from_secs(120);

impl Cluster {
    async fn start(scenario: &str, speed: f64) -> Cluster {
        Cluster::with(SimOptions {
            scenario: scenario.into(),
            speed,
            ..SimOptions::default()
        })
        .await
    }

    /// Runs `kubechat-ops audit ARGS…`; returns (exit code, stdout, stderr).
    async fn audit(&self, args: &[&str]) -> (i32, String, String) {
        run_audit(&self.kubeconfig, self.dir.path(), args).await
    }

    /// `audit ARGS --format json`, parsed, with its exit code.
    async fn json(&self, args: &[&str]) -> (i32, Vec<Value>) {
        let mut all = args.to_vec();
        all.extend(["--format", "json"]);
        let (code, out, err) = self.audit(&all).await;
        let v: Value = serde_json::from_str(&out)
            .unwrap_or_else(|e| panic!("audit printed JSON ({e}):\n{out}\nstderr:\n{err}"));
        (code, v.as_array().expect("an array").clone())
    }

    async fn finish(self) {
        self.sim.shutdown().await;
    }
}

async fn run_audit(kubeconfig: &Path, home: &Path, args: &[&str]) -> (i32, String, String) {
    let mut cmd = Command::new(bin::bin());
    cmd.arg("audit")
        .args(args)
        .env("KUBECONFIG", kubeconfig)
        .env("HOME", home)
        .env_remove("KUBERNETES_SERVICE_HOST")
        .kill_on_drop(true);
    let out = tokio::time::timeout(DEADLINE, cmd.output())
        .await
        .expect("audit ends before the deadline")
        .expect("the binary runs");
    (
        out.status.code().expect("exited, not killed"),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A pod's workload: `postgres-primary-lm9sm8h-rxvwh` → `postgres-primary` (the
/// ReplicaSet's hash and the pod's suffix dropped).
fn workload(pod: &str) -> String {
    let parts: Vec<&str> = pod.split('-').collect();
    parts[..parts.len().saturating_sub(2)].join("-")
}

type Key = (String, String, String, String, Option<String>);

/// (check, kind, namespace, workload or name, container) of each finding.
fn keys(findings: &[Value]) -> BTreeSet<Key> {
    findings
        .iter()
        .map(|f| {
            let o = &f["object"];
            let name = o["name"].as_str().unwrap();
            let name = if o["kind"] == "Pod" {
                workload(name)
            } else {
                name.to_string()
            };
            (
                f["check"].as_str().unwrap().to_string(),
                o["kind"].as_str().unwrap().to_string(),
                o["namespace"].as_str().unwrap_or("").to_string(),
                name,
                o["container"].as_str().map(String::from),
            )
        })
        .collect()
}

fn seeded() -> BTreeSet<Key> {
    let k = |check: &str, kind: &str, name: &str, container: Option<&str>| {
        (
            check.to_string(),
            kind.to_string(),
            NS.to_string(),
            name.to_string(),
            container.map(String::from),
        )
    };
    [
        k("run-as-root", "Pod", "postgres-primary", None),
        k(
            "privileged",
            "Pod",
            "kubechat-log-shipper",
            Some("fluent-bit"),
        ),
        k("host-path", "Pod", "kubechat-log-shipper", None),
        k("cluster-admin", "ServiceAccount", "kubechat-admin", None),
    ]
    .into_iter()
    .collect()
}

/// Audits until `want` holds of the findings (pods are created by the controllers after
/// the start), within the deadline; returns the last run.
async fn audit_until(
    c: &Cluster,
    args: &[&str],
    want: impl Fn(&[Value]) -> bool,
) -> (i32, Vec<Value>) {
    let deadline = tokio::time::Instant::now() + DEADLINE;
    loop {
        let (code, findings) = c.json(args).await;
        if want(&findings) {
            return (code, findings);
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the audit never found what was expected: {findings:#?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn the_default_scenario_has_exactly_the_seeded_problems() {
    // 10× speed: the canary update (at 60 s) starts within seconds
    let c = Cluster::start("default", 10.0).await;
    let (code, findings) = audit_until(&c, &["-A"], |f| keys(f).is_superset(&seeded())).await;
    assert_eq!(keys(&findings), seeded(), "{findings:#?}");
    assert_eq!(code, 1);
    assert!(findings.iter().all(|f| f["severity"] == "high"));
    assert!(findings
        .iter()
        .all(|f| f["message"].as_str().is_some_and(|m| !m.is_empty())));
    let sa = findings
        .iter()
        .find(|f| f["check"] == "cluster-admin")
        .unwrap();
    assert!(sa["message"]
        .as_str()
        .unwrap()
        .contains("ClusterRoleBinding kubechat-admin-cluster-admin"));

    // the canary update's new pods (2.4.2) are as clean as the old ones
    let pods: Api<Pod> = Api::namespaced(c.sim.client(), NS);
    let deadline = tokio::time::Instant::now() + DEADLINE;
    loop {
        let list = pods.list(&ListParams::default()).await.unwrap();
        let updated = list.items.iter().any(|p| {
            p.spec.as_ref().is_some_and(|s| {
                s.containers
                    .iter()
                    .any(|c| c.image.as_deref().is_some_and(|i| i.ends_with(":2.4.2")))
            })
        });
        if updated {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "no canary pod came");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let (_, findings) = c.json(&["-A"]).await;
    assert_eq!(keys(&findings), seeded(), "{findings:#?}");
    // the namespace alone: the same (cluster RBAC reaches every namespace)
    let (_, findings) = c.json(&["-n", NS]).await;
    assert_eq!(keys(&findings), seeded(), "{findings:#?}");
    c.finish().await;
}

#[tokio::test]
async fn text_report_in_the_seeds_layout_and_fail_on() {
    let c = Cluster::start("default", 1.0).await;
    audit_until(&c, &["-A"], |f| keys(f).is_superset(&seeded())).await;
    let (code, out, err) = c.audit(&["-A"]).await;
    assert_eq!(code, 1, "{err}");
    let date = jiff::Zoned::now().strftime("%Y%m%d").to_string();
    assert!(
        out.starts_with(&format!(
            "KubeChat Security Audit Report - {date}\n===========================================\nPods running as root:\nhigh    Pod kubechat-system/postgres-primary-"
        )),
        "{out}"
    );
    for section in [
        "Privileged containers:\nhigh    Pod kubechat-system/kubechat-log-shipper-",
        "Service accounts, users and groups with cluster-admin:\nhigh    ServiceAccount kubechat-system/kubechat-admin: ",
        "Images with :latest or no tag:\nnone\n",
        "Roles with wildcard rules:\nnone\n",
    ] {
        assert!(out.contains(section), "{section:?} in\n{out}");
    }
    assert!(
        out.ends_with("4 findings (4 high, 0 medium, 0 low) in all namespaces\n"),
        "{out}"
    );
    let (code, md, _) = c
        .audit(&["-A", "--format", "md", "--fail-on", "high"])
        .await;
    assert_eq!(code, 1);
    assert!(
        md.contains("## Privileged containers (`privileged`)\n\n| severity |"),
        "{md}"
    );
    // -n and -A together cannot be honoured
    let (code, _, err) = c.audit(&["-A", "-n", NS]).await;
    assert_eq!(code, 2, "{err}");
    c.finish().await;
}

/// A cluster with one clean Deployment only: 0, then 1 once a pod with an untagged image
/// comes, 0 again with `--fail-on medium` (an image tag is low).
#[tokio::test]
async fn exit_codes_on_a_clean_cluster_and_one_that_cannot_be_read() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("clean.yaml");
    std::fs::write(&scenario, CLEAN_SCENARIO).unwrap();
    let c = Cluster::start(scenario.to_str().unwrap(), 1.0).await;
    let pods: Api<Pod> = Api::namespaced(c.sim.client(), "shop");
    let deadline = tokio::time::Instant::now() + DEADLINE;
    while pods.list(&ListParams::default()).await.unwrap().items.len() < 2 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the shop's pods never came"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let (code, out, err) = c.audit(&["-A"]).await;
    assert_eq!(code, 0, "{out}\n{err}");
    // every section says none (the seed's script would stop at its first grep instead)
    assert_eq!(out.matches(":\nnone\n").count(), 12, "{out}");
    assert!(out.ends_with("0 findings (0 high, 0 medium, 0 low) in all namespaces\n"));

    let debug: Pod = serde_json::from_value(json!({
        "metadata": {"name": "debug", "namespace": "shop"},
        "spec": {
            "serviceAccountName": "shop",
            "securityContext": {"runAsNonRoot": true, "runAsUser": 1000},
            "containers": [{
                "name": "sh", "image": "busybox",
                "securityContext": {"allowPrivilegeEscalation": false},
                "resources": {"limits": {"cpu": "100m", "memory": "64Mi"}},
            }],
        },
    }))
    .unwrap();
    pods.create(&PostParams::default(), &debug).await.unwrap();
    let (code, findings) = c.json(&["-n", "shop"]).await;
    assert_eq!(code, 1);
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(findings[0]["check"], "image-tag");
    assert_eq!(findings[0]["severity"], "low");
    assert_eq!(
        findings[0]["object"],
        json!({"kind": "Pod", "namespace": "shop", "name": "debug", "container": "sh"})
    );
    let (code, _) = c.json(&["-n", "shop", "--fail-on", "medium"]).await;
    assert_eq!(code, 0);
    let (code, _) = c.json(&["-n", "shop", "--fail-on", "low"]).await;
    assert_eq!(code, 1);

    // the cluster gone: could not audit
    let kubeconfig = c.kubeconfig.clone();
    let home = c.dir.path().to_path_buf();
    let _keep = c.dir;
    c.sim.shutdown().await;
    let (code, out, err) = run_audit(&kubeconfig, &home, &["-A"]).await;
    assert_eq!(code, 2, "{out}\n{err}");
    assert!(err.contains("could not audit all namespaces"), "{err}");
    assert!(out.is_empty(), "{out}");
}

const CLEAN_SCENARIO: &str = r#"
name: clean
description: one clean Deployment in namespace shop
objects:
  - apiVersion: v1
    kind: Namespace
    metadata: {name: shop}
  - apiVersion: v1
    kind: ServiceAccount
    metadata: {name: shop, namespace: shop}
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web, namespace: shop}
    spec:
      replicas: 2
      selector: {matchLabels: {app: web}}
      template:
        metadata: {labels: {app: web}}
        spec:
          serviceAccountName: shop
          securityContext: {runAsNonRoot: true, runAsUser: 1000}
          containers:
            - name: web
              image: registry.local/shop/web:1.0.0
              resources: {limits: {cpu: 500m, memory: 256Mi}}
              securityContext: {allowPrivilegeEscalation: false}
"#;

/// The seed's security-audit.sh, its three kubectl commands as written, run with the real
/// kubectl: every line they print is a finding of ours.
#[tokio::test]
async fn the_seeds_three_commands_find_nothing_we_miss() {
    if !kubectl::kubectl_present() {
        return;
    }
    let k = kubectl::Kubectl::start("default", 1.0).await;
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("kubeconfig");
    k.sim.write_kubeconfig(&kubeconfig).unwrap();
    let deadline = tokio::time::Instant::now() + DEADLINE;
    let ours = loop {
        let (_, out, err) = run_audit(&kubeconfig, dir.path(), &["-A", "--format", "json"]).await;
        let v: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}\n{err}"));
        let v = v.as_array().unwrap().clone();
        if keys(&v).is_superset(&seeded()) {
            break v;
        }
        assert!(tokio::time::Instant::now() < deadline, "{v:#?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let has = |check: &str, ns: &str, name: &str, container: Option<&str>| {
        // an empty namespace or name matches any (see the privileged command)
        ours.iter().any(|f| {
            f["check"] == check
                && (ns.is_empty() || f["object"]["namespace"].as_str().unwrap_or("") == ns)
                && (name.is_empty() || f["object"]["name"] == name)
                && (container.is_none() || f["object"]["container"].as_str() == container)
        })
    };

    let root = k
        .shell(r#"kubectl get pods --all-namespaces -o jsonpath='{range .items[*]}{.metadata.namespace}{" "}{.metadata.name}{" "}{.spec.securityContext.runAsUser}{"\n"}{end}' | grep " 0$""#)
        .await;
    assert!(root.ok, "{root:?}");
    let root: Vec<&str> = root.stdout.lines().collect();
    assert!(!root.is_empty());
    for line in &root {
        let f: Vec<&str> = line.split(' ').collect();
        assert!(has("run-as-root", f[0], f[1], None), "{line}: {ours:#?}");
    }

    let privileged = k
        .shell(r#"kubectl get pods --all-namespaces -o jsonpath='{range .items[*]}{range .spec.containers[*]}{.securityContext.privileged}{" "}{$.metadata.namespace}{" "}{$.metadata.name}{" "}{.name}{"\n"}{end}{end}' | grep "^true""#)
        .await;
    assert!(privileged.ok, "{privileged:?}");
    let privileged: Vec<&str> = privileged.stdout.lines().collect();
    assert!(!privileged.is_empty());
    // In kubectl's JSONPath `$` is the List, not the pod the outer range is on, so the
    // seed's line has an empty namespace and pod name ("true   fluent-bit"): its report
    // cannot say which pod. The container must be one of ours (and ours names the pod).
    assert!(
        privileged.iter().all(|l| l.starts_with("true   ")),
        "{privileged:?}"
    );
    for line in &privileged {
        let f: Vec<&str> = line.split(' ').collect();
        assert!(
            has("privileged", f[1], f[2], Some(f[3])),
            "{line}: {ours:#?}"
        );
    }

    let admins = k
        .shell(r#"kubectl get clusterrolebinding -o jsonpath='{range .items[?(@.roleRef.name=="cluster-admin")]}{.subjects[*].name}{" "}{.subjects[*].namespace}{"\n"}{end}'"#)
        .await;
    assert!(admins.ok, "{admins:?}");
    let admins: Vec<&str> = admins.stdout.lines().collect();
    assert!(!admins.is_empty());
    // names then namespaces: every word is one of our cluster-admin subjects' names or
    // namespaces, and every name is ours
    let subjects: Vec<&Value> = ours
        .iter()
        .filter(|f| f["check"] == "cluster-admin")
        .collect();
    for line in &admins {
        for word in line.split_whitespace() {
            assert!(
                subjects
                    .iter()
                    .any(|f| f["object"]["name"] == word || f["object"]["namespace"] == word),
                "{word} ({line}): {subjects:#?}"
            );
        }
        let name = line.split_whitespace().next().unwrap();
        assert!(subjects.iter().any(|f| f["object"]["name"] == name));
    }
    // and ours found more than the seed's script can see
    assert!(ours.len() > root.len() + privileged.len() + admins.len());
    k.finish().await;
}
