//! The headless `kubechat-ops rollout status` against the simulated cluster: the built
//! binary, reading the sim through a kubeconfig, with the exit codes scripts gate on.

#[path = "support/sim_cluster.rs"]
mod sim_cluster;

use std::time::Duration;

use k8s_openapi::api::apps::v1::Deployment;
use kube::api::{Api, ApiResource, DynamicObject, Patch, PatchParams};
use kubechat_sim::SimOptions;
use serde_json::json;
use sim_cluster::Cluster;
use tokio::process::Command;

const NS: &str = "kubechat-system";
/// A bound on how long any one run may take (never a sleep: runs end by themselves).
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

    /// Runs `kubechat-ops rollout status ARGS…`; returns (exit code, stdout, stderr).
    async fn status(&self, args: &[&str]) -> (i32, String, String) {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_kubechat-ops"));
        cmd.args(["rollout", "status"])
            .args(args)
            .env("KUBECONFIG", &self.kubeconfig)
            .env("HOME", self.dir.path())
            .env_remove("KUBERNETES_SERVICE_HOST")
            .kill_on_drop(true);
        let out = tokio::time::timeout(DEADLINE, cmd.output())
            .await
            .expect("rollout status ends before the deadline")
            .expect("the binary runs");
        (
            out.status.code().expect("exited, not killed"),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    async fn finish(self) {
        self.sim.shutdown().await;
    }
}

#[tokio::test]
async fn healthy_deployment_unknown_and_ambiguous_names() {
    let c = Cluster::start("default", 10.0).await;
    let (code, out, err) = c
        .status(&["deployment/postgres-primary", "--watch", "--timeout", "60s"])
        .await;
    assert_eq!(code, 0, "stdout:\n{out}\nstderr:\n{err}");
    let last = out.lines().last().unwrap_or_default();
    assert!(
        last.starts_with(
            "deployment/postgres-primary: postgres-primary (recreate): Healthy, 1 of 1 updated"
        ),
        "{out}"
    );

    let (code, _, err) = c.status(&["no-such-thing"]).await;
    assert_eq!(code, 2);
    assert!(
        err.contains("no rollout named no-such-thing in namespace kubechat-system"),
        "{err}"
    );

    // the Service of the blue/green pair and the canary Rollout share a name
    let (code, _, err) = c.status(&["kubechat-api-gateway"]).await;
    assert_eq!(code, 2);
    assert!(
        err.contains("service/kubechat-api-gateway")
            && err.contains("rollout/kubechat-api-gateway"),
        "{err}"
    );

    // the blue/green pair, named by its Service: the live slot is complete
    let (code, out, err) = c
        .status(&["service/kubechat-api-gateway", "-w", "--timeout", "60s"])
        .await;
    assert_eq!(code, 0, "stdout:\n{out}\nstderr:\n{err}");
    assert!(out.contains("(blue/green): Healthy (live blue)"), "{out}");
    c.finish().await;
}

#[tokio::test]
async fn watch_follows_a_rolling_update_to_completion() {
    let c = Cluster::start("default", 10.0).await;
    update_log_shipper(&c, "fluent/fluent-bit:3.3").await;
    let (code, out, err) = c
        .status(&["kubechat-log-shipper", "--watch", "--timeout", "90s"])
        .await;
    assert_eq!(code, 0, "stdout:\n{out}\nstderr:\n{err}");
    let last = out.lines().last().unwrap_or_default();
    assert!(
        last.contains("Healthy, 1 of 1 updated") && last.ends_with("fluent-bit:3.3"),
        "{out}"
    );
    c.finish().await;
}

/// Starts a rolling update of the log shipper to `image`.
async fn update_log_shipper(c: &Cluster, image: &str) {
    let deployments: Api<Deployment> = Api::namespaced(c.sim.client(), NS);
    let patch = json!({"spec": {"template": {"spec": {"containers": [
        {"name": "fluent-bit", "image": image}
    ]}}}});
    deployments
        .patch(
            "kubechat-log-shipper",
            &PatchParams::default(),
            &Patch::Strategic(patch),
        )
        .await
        .expect("the image patch is accepted");
}

/// A `--timeout` waits as kubectl's `rollout status` does, without `--watch`: it does not
/// answer "in progress" (3) at once.
#[tokio::test]
async fn a_timeout_waits_for_the_rollout_without_watch() {
    let c = Cluster::start("default", 10.0).await;
    update_log_shipper(&c, "fluent/fluent-bit:3.4").await;
    let (code, out, err) = c
        .status(&["deployment/kubechat-log-shipper", "--timeout", "90s"])
        .await;
    assert_eq!(code, 0, "stdout:\n{out}\nstderr:\n{err}");
    assert!(
        out.lines()
            .last()
            .unwrap_or_default()
            .ends_with("fluent-bit:3.4"),
        "{out}"
    );
    c.finish().await;
}

fn rollouts(client: kube::Client) -> Api<DynamicObject> {
    let ar = ApiResource {
        group: "argoproj.io".into(),
        version: "v1alpha1".into(),
        api_version: "argoproj.io/v1alpha1".into(),
        kind: "Rollout".into(),
        plural: "rollouts".into(),
    };
    Api::namespaced_with(client, NS, &ar)
}

#[tokio::test]
async fn bad_canary_ends_degraded_with_exit_1() {
    let c = Cluster::start("bad-canary", 10.0).await;
    // wait (bounded) for the scenario to start the bad canary, then watch it fail
    let api = rollouts(c.sim.client());
    let started = tokio::time::Instant::now();
    loop {
        let r = api.get("kubechat-api-gateway").await.expect("the rollout");
        let image = serde_json::to_value(&r).unwrap()["spec"]["template"]["spec"]["containers"][0]
            ["image"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        if image.ends_with(":2.5.0") {
            break;
        }
        assert!(
            started.elapsed() < DEADLINE,
            "the scenario never set image 2.5.0"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (code, out, err) = c
        .status(&[
            "rollout/kubechat-api-gateway",
            "--watch",
            "--timeout",
            "100s",
        ])
        .await;
    assert_eq!(code, 1, "stdout:\n{out}\nstderr:\n{err}");
    let last = out.lines().last().unwrap_or_default();
    assert!(last.contains("(canary): Degraded"), "{out}\n{err}");
    c.finish().await;
}
