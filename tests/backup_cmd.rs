//! The headless `kubechat-ops backup status` against the simulated cluster: the built
//! binary, reading the sim through a kubeconfig, with the exit codes monitoring gates on.

#[path = "support/sim_cluster.rs"]
mod sim_cluster;

use std::time::Duration;

use kubechat_sim::SimOptions;
use sim_cluster::Cluster;
use tokio::process::Command;

/// A bound on how long any one run may take (never a sleep: runs end by themselves).
const DEADLINE: Duration = Duration::from_secs(120);

impl Cluster {
    async fn start(scenario: &str) -> Cluster {
        Cluster::with(SimOptions {
            scenario: scenario.into(),
            ..SimOptions::default()
        })
        .await
    }

    async fn status(&self, args: &[&str]) -> (i32, String, String) {
        status(&self.kubeconfig, self.dir.path(), args).await
    }
}

/// Runs `kubechat-ops backup status ARGS…`; returns (exit code, stdout, stderr).
async fn status(
    kubeconfig: &std::path::Path,
    home: &std::path::Path,
    args: &[&str],
) -> (i32, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kubechat-ops"));
    // global flags (`--config`) go before the subcommand: `[--config X] backup` ARGS
    let (global, args) = match args.iter().position(|a| *a == "backup") {
        Some(i) => (&args[..i], &args[i + 1..]),
        None => (&[][..], args),
    };
    cmd.args(global)
        .args(["backup", "status"])
        .args(args)
        .env("KUBECONFIG", kubeconfig)
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env_remove("KUBERNETES_SERVICE_HOST")
        .kill_on_drop(true);
    let out = tokio::time::timeout(DEADLINE, cmd.output())
        .await
        .expect("backup status ends before the deadline")
        .expect("the binary runs");
    (
        out.status.code().expect("exited, not killed"),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test]
async fn default_is_fresh() {
    let c = Cluster::start("default").await;
    let (code, out, err) = c.status(&[]).await;
    assert_eq!(code, 0, "stdout:\n{out}\nstderr:\n{err}");
    let line = out
        .lines()
        .find(|l| l.starts_with("postgres-backup "))
        .unwrap_or_else(|| panic!("{out}"));
    assert!(line.contains("fresh") && line.contains("At 02:00"), "{out}");
    assert!(line.contains(" UTC"), "next run in UTC: {out}");
    let (code, json, _) = c.status(&["--format", "json"]).await;
    assert_eq!(code, 0);
    let rows: Vec<serde_json::Value> = serde_json::from_str(&json).unwrap();
    assert_eq!(rows[0]["name"], "postgres-backup");
    assert_eq!(rows[0]["verdict"], "fresh");
    assert_eq!(rows[0]["rpo_seconds"], 25 * 3600);
    assert!(rows[0]["next_run"].is_string() && rows[0]["next_run_local"].is_string());
    // CloudNativePG's continuous archiving is judged beside it
    let cluster = rows
        .iter()
        .find(|r| r["kind"] == "Cluster")
        .unwrap_or_else(|| panic!("{json}"));
    assert_eq!(cluster["name"], "kubechat-postgres");
    assert_eq!(cluster["verdict"], "fresh", "{json}");
    assert!(
        cluster["reason"].as_str().unwrap().contains("PITR from"),
        "{json}"
    );
    c.sim.shutdown().await;
}

#[tokio::test]
async fn stale_backup_is_stale_and_exits_1() {
    let c = Cluster::start("stale-backup").await;
    let (code, json, err) = c.status(&["--format", "json"]).await;
    assert_eq!(code, 1, "stdout:\n{json}\nstderr:\n{err}");
    let rows: Vec<serde_json::Value> = serde_json::from_str(&json).unwrap();
    assert_eq!(rows[0]["name"], "postgres-backup");
    assert_eq!(rows[0]["verdict"], "stale", "{json}");
    assert!(
        rows[0]["age_seconds"].as_i64().unwrap() >= 74 * 3600,
        "{json}"
    );
    let cluster = rows.iter().find(|r| r["kind"] == "Cluster").unwrap();
    assert_eq!(cluster["verdict"], "failing", "{json}");
    assert!(
        cluster["reason"]
            .as_str()
            .unwrap()
            .contains("InvalidAccessKeyId"),
        "{json}"
    );
    c.sim.shutdown().await;
}

#[tokio::test]
async fn a_config_rpo_applies_per_cronjob() {
    let c = Cluster::start("default").await;
    let config = c.dir.path().join("config.toml");
    std::fs::write(&config, "[backups.rpo]\npostgres-backup = \"1m\"\n").unwrap();
    let (code, out, err) = c
        .status(&["--config", config.to_str().unwrap(), "backup"])
        .await;
    assert_eq!(
        code, 1,
        "the last success (4 min ago) is beyond 1m:\n{out}\n{err}"
    );
    assert!(out.contains("stale"), "{out}");
    c.sim.shutdown().await;
}

#[tokio::test]
async fn an_unreachable_cluster_cannot_tell() {
    let Cluster {
        sim,
        dir,
        kubeconfig,
    } = Cluster::start("default").await;
    sim.shutdown().await;
    let (code, out, err) = status(&kubeconfig, dir.path(), &["--timeout", "5s"]).await;
    assert_eq!(code, 2, "stdout:\n{out}\nstderr:\n{err}");
    assert!(
        err.contains("cannot read") || err.contains("did not answer"),
        "{err}"
    );
}
