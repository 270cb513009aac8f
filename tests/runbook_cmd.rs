//! The headless `kubechat-ops runbook` against the simulated cluster: the built binary with
//! its own HOME (so its own config dir and user runbooks), reading the simulator through a
//! kubeconfig. Exit codes 0/1/2, the JUnit and JSON reports, dry runs, malformed files, and
//! the bad commands: a hanging one (timeout kills its process group), exit 127, megabytes
//! and binary output (capped, never a hang).

#[path = "support/bin.rs"]
mod bin;
#[path = "support/kubectl.rs"]
mod kubectl;
#[path = "support/skip.rs"]
mod skip;

#[path = "support/sim_cluster.rs"]
mod sim_cluster;

use std::path::{Path, PathBuf};
use std::time::Duration;

use kubechat_sim::SimOptions;
use serde_json::Value;
use sim_cluster::Cluster;
use tokio::process::Command;

/// A bound on how long any one run may take (never a sleep: runs end by themselves).
const DEADLINE: Duration = Duration::from_secs(120);

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

impl std::fmt::Debug for Out {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

impl Cluster {
    async fn start(scenario: &str) -> Cluster {
        Cluster::with(SimOptions {
            scenario: scenario.into(),
            speed: 10.0,
            warm_history: true,
            ..SimOptions::default()
        })
        .await
    }

    /// The config dir's `runbooks/` (HOME is the temp dir: XDG puts it under .config).
    fn runbooks_dir(&self) -> PathBuf {
        let d = self.dir.path().join(".config/kubechat-ops/runbooks");
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    fn add_runbook(&self, file: &str, text: &str) {
        std::fs::write(self.runbooks_dir().join(file), text).unwrap();
    }

    async fn run(&self, args: &[&str]) -> Out {
        let mut cmd = Command::new(bin::bin());
        cmd.arg("runbook")
            .args(args)
            .env("KUBECONFIG", &self.kubeconfig)
            .env("HOME", self.dir.path())
            .env_remove("XDG_CONFIG_HOME")
            .env_remove("XDG_DATA_HOME")
            .env_remove("KUBERNETES_SERVICE_HOST")
            .stdin(std::process::Stdio::null())
            .kill_on_drop(true);
        let out = tokio::time::timeout(DEADLINE, cmd.output())
            .await
            .expect("runbook ends before the deadline")
            .expect("the binary runs");
        Out {
            code: out.status.code().expect("exited, not killed"),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    async fn finish(self) {
        self.sim.shutdown().await;
    }
}

fn json(out: &Out) -> Value {
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {out:?}"))
}

#[tokio::test]
async fn staging_validation_is_a_deploy_gate_with_junit() {
    let c = Cluster::start("default").await;
    let out = c
        .run(&["run", "staging-validation", "--format", "junit"])
        .await;
    assert_eq!(out.code, 0, "{out:?}");
    let xml = &out.stdout;
    assert!(xml.starts_with("<?xml"), "{out:?}");
    assert!(
        xml.contains(r#"<testsuite name="staging-validation" tests="5" failures="0""#),
        "{out:?}"
    );
    for name in [
        "Deployment Health",
        "Database Connectivity",
        "Authentication Flow",
        "API Endpoints",
        "Performance Baseline",
    ] {
        assert!(
            xml.contains(&format!(
                r#"<testcase classname="staging-validation.validate" name="{name}""#
            )),
            "{name}: {out:?}"
        );
    }
    assert!(!xml.contains("<failure"), "{out:?}");
    assert_eq!(
        xml.matches("<testcase").count(),
        xml.matches("</testcase>").count()
    );

    // with no ready pod behind the gateway, the health check fails: exit 1, a <failure>
    c.add_runbook(
        "probe.yaml",
        "id: probe\ntitle: Probe\nsections:\n  - name: check\n    steps:\n      - title: healthz\n        check: {http: /healthz, service: \"kubechat-api-gateway:http\"}\n",
    );
    let scaled = c
        .run(&[
            "run",
            "kubechat-high-error-rate",
            "--section",
            "mitigate",
            "--step",
            "1",
            "--set",
            "live_deployment=kubechat-api-gateway-blue",
            "--dry-run",
        ])
        .await;
    assert_eq!(scaled.code, 0, "{scaled:?}");
    assert!(
        scaled
            .stdout
            .contains("kubectl scale deployment kubechat-api-gateway-blue --replicas=10"),
        "{scaled:?}"
    );
    c.add_runbook(
        "down.yaml",
        "id: down\ntitle: Down\nsections:\n  - name: m\n    steps:\n      - title: no gateway\n        action: \"scale deployment/{{ live_deployment }} 0\"\n",
    );
    let down = c.run(&["run", "down", "--yes"]).await;
    assert_eq!(down.code, 0, "{down:?}");
    assert!(
        c.sim
            .client_writes()
            .iter()
            .any(|w| w.contains("kubechat-api-gateway-blue")),
        "{:?}",
        c.sim.client_writes()
    );
    // wait (bounded) until the gateway has no endpoints; the probe then fails
    let deadline = tokio::time::Instant::now() + DEADLINE;
    loop {
        let out = c.run(&["run", "probe", "--format", "junit"]).await;
        if out.code == 1 {
            assert!(out.stdout.contains("<failure message=\"GET /api/v1/namespaces/kubechat-system/services/kubechat-api-gateway:http/proxy/healthz: status 503"), "{out:?}");
            assert!(out.stdout.contains(r#"failures="1""#), "{out:?}");
            break;
        }
        assert_eq!(out.code, 0, "{out:?}");
        assert!(tokio::time::Instant::now() < deadline, "{out:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    c.finish().await;
}

#[tokio::test]
async fn could_not_run_is_exit_2_and_runs_nothing() {
    let c = Cluster::start("default").await;
    // unknown id
    let out = c.run(&["run", "no-such-runbook"]).await;
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr.contains("unknown runbook \"no-such-runbook\""),
        "{out:?}"
    );
    // a placeholder without a value
    let out = c
        .run(&[
            "run",
            "kubechat-pod-crash-looping",
            "--section",
            "investigate",
        ])
        .await;
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr
            .contains("no value for pod_name (give --set POD_NAME=…)"),
        "{out:?}"
    );
    // a mutating step without --yes, and with --yes in read-only mode
    let out = c.run(&["run", "kubechat-high-error-rate"]).await;
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("give --yes"), "{out:?}");
    let out = c
        .run(&["run", "kubechat-high-error-rate", "--yes", "--read-only"])
        .await;
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr.contains("is read-only: nothing was run"),
        "{out:?}"
    );
    // read_only_contexts in the config hold too
    let cfg = c.dir.path().join(".config/kubechat-ops");
    std::fs::create_dir_all(&cfg).unwrap();
    std::fs::write(
        cfg.join("config.toml"),
        "read_only_contexts = [\"kubechat-*\"]\n",
    )
    .unwrap();
    let out = c
        .run(&["run", "canary-promotion", "--section", "promote", "--yes"])
        .await;
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr.contains("context kubechat-sim is read-only"),
        "{out:?}"
    );
    std::fs::remove_file(cfg.join("config.toml")).unwrap();
    assert!(
        c.sim.client_writes().is_empty(),
        "{:?}",
        c.sim.client_writes()
    );
    // a bad input value
    let out = c
        .run(&[
            "run",
            "database-point-in-time-recovery",
            "--set",
            "recovery_time=yesterday",
            "--set",
            "backup_name=b",
            "--dry-run",
        ])
        .await;
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("not a time"), "{out:?}");
    // a malformed user file: one warning naming file, line and field; the defaults stay
    c.add_runbook(
        "broken.yaml",
        "id: broken\nsections:\n  - name: a\n    steps:\n      - title: t\n        comand: \"kubectl get pods\"\n",
    );
    let out = c.run(&["list"]).await;
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout
            .lines()
            .any(|l| l.starts_with("staging-validation ")),
        "{out:?}"
    );
    let warning = out
        .stderr
        .lines()
        .find(|l| l.contains("broken.yaml"))
        .unwrap_or_default();
    assert!(
        warning.contains("broken.yaml: line 6: sections[0].steps[0]: unknown field `comand`"),
        "{out:?}"
    );
    let out = c.run(&["run", "broken"]).await;
    assert_eq!(out.code, 2, "{out:?}");
    c.finish().await;
}

#[tokio::test]
async fn dry_run_prints_the_resolved_commands_quoted() {
    let c = Cluster::start("default").await;
    let out = c
        .run(&[
            "run",
            "kubechat-pod-crash-looping",
            "--set",
            "POD_NAME=x; touch /tmp/pwned",
            "--dry-run",
        ])
        .await;
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout
            .contains("kubectl describe pod 'x; touch /tmp/pwned' -n kubechat-system"),
        "{out:?}"
    );
    // live_deployment is what the Service selects now
    assert!(
        out.stdout
            .contains("kubectl patch deployment kubechat-api-gateway-blue -n kubechat-system -p"),
        "{out:?}"
    );
    assert!(out.stdout.contains("(writes, interactive)"), "{out:?}");
    let out = c
        .run(&[
            "run",
            "blue-green",
            "--set",
            "image_tag=2.5.0",
            "--dry-run",
            "--format",
            "json",
        ])
        .await;
    assert_eq!(out.code, 0, "{out:?}");
    let v = json(&out);
    assert_eq!(
        v["steps"][0]["resolved"],
        "kubectl set image deployment/kubechat-api-gateway-green api-gateway=harbor.company.com/kubechat/api-gateway:2.5.0"
    );
    assert_eq!(
        v["steps"][3]["resolved"],
        "action: switch kubechat-api-gateway green"
    );
    assert!(c.sim.client_writes().is_empty());
    c.finish().await;
}

fn alive(pid: i32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
        && !std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .unwrap_or_default()
            .contains(") Z ")
}

#[tokio::test]
async fn bad_commands_fail_or_are_capped_never_hang() {
    let c = Cluster::start("default").await;
    let pidfile = c.dir.path().join("bg.pid");
    c.add_runbook(
        "bad.yaml",
        &format!(
            r#"id: bad
title: Bad commands
sections:
  - name: hang
    steps:
      - title: hangs with a child in the background
        command: "sleep 300 & echo $! > {pid}; sleep 300"
        timeout: 1s
  - name: missing
    steps:
      - title: not installed
        command: "no-such-tool-kubechat --version"
  - name: huge
    steps:
      - title: fifty thousand lines
        command: "seq 1 50000"
      - title: binary
        command: "head -c 300000 /dev/urandom"
      - title: expect
        command: "echo hello world"
        expect: {{exit: 0, output: "^hello"}}
      - title: expect fails
        command: "echo goodbye"
        expect: {{output: "^hello"}}
"#,
            pid = pidfile.display()
        ),
    );
    let out = c
        .run(&["run", "bad", "--section", "hang", "--format", "json"])
        .await;
    assert_eq!(out.code, 1, "{out:?}");
    let v = json(&out);
    assert_eq!(v["steps"][0]["state"], "failed");
    assert_eq!(
        v["steps"][0]["reason"],
        "timed out after 1s: the command and its process group were killed"
    );
    let bg: i32 = std::fs::read_to_string(&pidfile)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let deadline = tokio::time::Instant::now() + DEADLINE;
    while alive(bg) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the background child {bg} lives on"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let out = c.run(&["run", "bad", "--section", "missing"]).await;
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stdout
            .contains("exit 127: command not found, looked in PATH="),
        "{out:?}"
    );

    let out = c
        .run(&["run", "bad", "--section", "huge", "--format", "json"])
        .await;
    assert_eq!(out.code, 1, "{out:?}");
    let v = json(&out);
    let lines = v["steps"][0]["output"].as_array().unwrap();
    assert_eq!(lines.len(), 10_000);
    assert_eq!(v["steps"][0]["dropped"], 40_000);
    assert_eq!(lines[0], "40001");
    assert_eq!(lines[9_999], "50000");
    assert_eq!(v["steps"][1]["state"], "passed");
    for l in v["steps"][1]["output"].as_array().unwrap() {
        let l = l.as_str().unwrap();
        assert!(l.len() <= 4096 * 3 + 64, "a line is cut: {}", l.len());
        assert!(!l.chars().any(|ch| ch.is_control() && ch != '\t'), "{l:?}");
    }
    assert_eq!(v["steps"][2]["state"], "passed");
    assert_eq!(v["steps"][3]["state"], "failed");
    assert_eq!(
        v["steps"][3]["reason"],
        "exit status 0, but no output line matches /^hello/"
    );
    c.finish().await;
}

#[tokio::test]
async fn the_seeds_investigation_runs_with_kubectl() {
    if !kubectl::kubectl_present() {
        return;
    }
    let c = Cluster::start("default").await;
    let dir = kubectl::kubectl_path().parent().unwrap().to_path_buf();
    let bin_dir = c.dir.path().join("bin");
    std::fs::create_dir_all(&bin_dir).unwrap();
    let link = bin_dir.join("kubectl");
    if !link.exists() {
        std::os::unix::fs::symlink(kubectl::kubectl_path(), &link).unwrap();
    }
    let path = format!(
        "{}:{}:{}",
        bin_dir.display(),
        dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut cmd = Command::new(bin::bin());
    cmd.args([
        "runbook",
        "run",
        "kubechat-high-error-rate",
        "--section",
        "investigate",
        "--format",
        "junit",
    ])
    .env("KUBECONFIG", &c.kubeconfig)
    .env("HOME", c.dir.path())
    .env("PATH", path)
    .env_remove("XDG_CONFIG_HOME")
    .env_remove("KUBERNETES_SERVICE_HOST")
    .kill_on_drop(true);
    let out = tokio::time::timeout(DEADLINE, cmd.output())
        .await
        .unwrap()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains(r#"tests="4" failures="0""#), "{stdout}");
    assert!(
        stdout.contains("image: harbor.company.com/kubechat/api-gateway:2.4.1"),
        "{stdout}"
    );
    assert!(stdout.contains("name: kubechat-config"), "{stdout}");
    c.finish().await;
}

/// The configuration backup starts with the database backup run now: a native action,
/// `run-cronjob postgres-backup`, that creates a Job from the CronJob as the Backups pane
/// does; refused in read-only mode with nothing sent.
#[tokio::test]
async fn the_database_backup_runs_now_as_a_job_from_its_cronjob() {
    use k8s_openapi::api::batch::v1::Job;
    let c = Cluster::start("default").await;
    let args = [
        "run",
        "configuration-backup",
        "--section",
        "database",
        "--yes",
    ];
    let out = c.run(&[&args[..], &["--read-only"]].concat()).await;
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr.contains("is read-only: nothing was run"),
        "{out:?}"
    );
    assert!(
        c.sim.client_writes().is_empty(),
        "{:?}",
        c.sim.client_writes()
    );

    let out = c.run(&args).await;
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout.contains("action: run-cronjob postgres-backup"),
        "{out:?}"
    );
    let jobs: kube::Api<Job> = kube::Api::namespaced(c.sim.client(), "kubechat-system");
    let manual: Vec<Job> = jobs
        .list(&Default::default())
        .await
        .unwrap()
        .items
        .into_iter()
        .filter(|j| {
            j.metadata
                .name
                .as_deref()
                .is_some_and(|n| n.starts_with("postgres-backup-manual-"))
        })
        .collect();
    assert_eq!(manual.len(), 1, "one Job made from the CronJob");
    let owner = &manual[0].metadata.owner_references.as_ref().unwrap()[0];
    assert_eq!(
        (owner.kind.as_str(), owner.name.as_str()),
        ("CronJob", "postgres-backup")
    );
    let writes = c.sim.client_writes();
    assert_eq!(writes.len(), 1, "{writes:?}");
    assert!(
        writes[0].starts_with("POST /apis/batch/v1/namespaces/kubechat-system/jobs"),
        "{writes:?}"
    );
    c.finish().await;
}

/// application-recovery restores a configuration snapshot natively: checked (a dry run),
/// applied by `kubechat-ops snapshot restore` to an empty cluster, verified (the
/// Deployments available, a fresh snapshot that differs in nothing).
#[tokio::test]
async fn application_recovery_restores_a_snapshot_to_an_empty_cluster() {
    if !kubectl::kubectl_present() {
        return;
    }
    let keep = tempfile::tempdir().unwrap();
    let snapshot = keep.path().join("snap");
    let source = Cluster::start("default").await;
    let out = Command::new(bin::bin())
        .args(["snapshot", "--include-secrets", "--out"])
        .arg(&snapshot)
        .env("KUBECONFIG", &source.kubeconfig)
        .env("HOME", source.dir.path())
        .env_remove("XDG_CONFIG_HOME")
        .env_remove("XDG_DATA_HOME")
        .env_remove("KUBERNETES_SERVICE_HOST")
        .output()
        .await
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    source.finish().await;

    let empty = keep.path().join("empty.yaml");
    std::fs::write(
        &empty,
        "name: empty\ndescription: no objects\nobjects: []\n",
    )
    .unwrap();
    let c = Cluster::start(empty.to_str().unwrap()).await;
    let snap = format!("SNAPSHOT={}", snapshot.display());
    let secrets = format!("SECRETS_FROM={}", snapshot.display());
    let out = c
        .run(&[
            "run",
            "application-recovery",
            "--set",
            &snap,
            "--set",
            &secrets,
            "--yes",
        ])
        .await;
    assert_eq!(out.code, 0, "{out:?}");
    for line in [
        "would apply CustomResourceDefinition",
        "applied ClusterRoleBinding",
        "namespace kubechat-system ready",
        "available Deployment postgres-primary",
        "no difference",
    ] {
        assert!(out.stdout.contains(line), "{line:?} in {out:?}");
    }
    c.finish().await;
}
