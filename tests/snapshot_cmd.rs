//! `kubechat-ops snapshot` and `snapshot diff` against the simulated cluster: secrets never
//! leave in clear unless asked (and then 0600), diffs name objects and field paths, and a
//! snapshot of `default` re-applied (with real kubectl) to an empty simulated cluster
//! snapshots the same, apart from the redacted Secrets.

#[path = "support/kubectl.rs"]
mod kubectl;
#[path = "support/skip.rs"]
mod skip;

use std::path::{Path, PathBuf};
use std::time::Duration;

use base64::Engine as _;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::Secret;
use kube::api::{Api, ListParams, Patch, PatchParams};
use kubechat_sim::{SimHandle, SimOptions};
use tokio::process::Command;

const NS: &str = "kubechat-system";
const DEADLINE: Duration = Duration::from_secs(120);

/// Runs `kubechat-ops ARGS…` against `kubeconfig`; (exit code, stdout, stderr).
async fn run(kubeconfig: &Path, home: &Path, args: &[&str]) -> (i32, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kubechat-ops"));
    cmd.args(args)
        .env("KUBECONFIG", kubeconfig)
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env_remove("KUBERNETES_SERVICE_HOST")
        .kill_on_drop(true);
    let out = tokio::time::timeout(DEADLINE, cmd.output())
        .await
        .expect("ends before the deadline")
        .expect("the binary runs");
    (
        out.status.code().expect("exited"),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

async fn start(scenario: &str) -> (SimHandle, tempfile::TempDir, PathBuf) {
    let sim = SimHandle::start(SimOptions {
        scenario: scenario.into(),
        ..SimOptions::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("kubeconfig");
    sim.write_kubeconfig(&kubeconfig).unwrap();
    (sim, dir, kubeconfig)
}

/// Every file under `dir`, as text.
fn all_files(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push((p.clone(), std::fs::read_to_string(&p).unwrap_or_default()));
            }
        }
    }
    out
}

/// The scenario's secret values: base64 as stored, and decoded where long enough to be
/// unmistakable.
async fn secret_values(sim: &SimHandle) -> Vec<String> {
    let api: Api<Secret> = Api::namespaced(sim.client(), NS);
    let mut values = Vec::new();
    for s in api.list(&ListParams::default()).await.unwrap() {
        for v in s.data.unwrap_or_default().values() {
            values.push(base64::engine::general_purpose::STANDARD.encode(&v.0));
            let clear = String::from_utf8_lossy(&v.0).into_owned();
            if clear.len() >= 16 {
                values.push(clear);
            }
        }
    }
    assert!(!values.is_empty(), "the scenario has secrets");
    values
}

#[tokio::test]
async fn a_snapshot_redacts_every_secret_and_says_so() {
    let (sim, dir, kubeconfig) = start("default").await;
    let out = dir.path().join("snap");
    let (code, stdout, stderr) = run(
        &kubeconfig,
        dir.path(),
        &["snapshot", "--out", out.to_str().unwrap()],
    )
    .await;
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stdout.contains("secrets redacted"), "{stdout}");
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["secrets"], "redacted");
    assert_eq!(manifest["namespace"], NS);
    assert!(manifest["counts"]["deployments.apps"].as_u64().unwrap() > 0);
    assert!(manifest["counts"]["cronjobs.batch"].as_u64().unwrap() > 0);
    assert!(
        manifest["counts"]["clusterrolebindings.rbac.authorization.k8s.io"]
            .as_u64()
            .unwrap()
            > 0
    );
    let secret =
        std::fs::read_to_string(out.join("namespace/secrets/postgres-credentials.yaml")).unwrap();
    assert!(secret.contains("password: hmac-sha256:"), "{secret}");
    let cronjob =
        std::fs::read_to_string(out.join("namespace/cronjobs.batch/postgres-backup.yaml")).unwrap();
    for noise in [
        "resourceVersion",
        "uid:",
        "creationTimestamp",
        "managedFields",
        "status:",
    ] {
        assert!(!cronjob.contains(noise), "{noise} left in:\n{cronjob}");
    }
    // no secret value in any file or output
    let values = secret_values(&sim).await;
    let mut texts = all_files(&out);
    texts.push(("stdout".into(), stdout));
    texts.push(("stderr".into(), stderr));
    for (file, text) in &texts {
        for v in &values {
            assert!(
                !text.contains(v.as_str()),
                "a secret value in {}",
                file.display()
            );
        }
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn include_secrets_is_explicit_and_private() {
    let (sim, dir, kubeconfig) = start("default").await;
    let out = dir.path().join("snap");
    let (code, _, stderr) = run(
        &kubeconfig,
        dir.path(),
        &[
            "snapshot",
            "--include-secrets",
            "--out",
            out.to_str().unwrap(),
        ],
    )
    .await;
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("IN CLEAR") && stderr.contains("0600"),
        "{stderr}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        for (file, _) in all_files(&out) {
            let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{}", file.display());
        }
    }
    let secret =
        std::fs::read_to_string(out.join("namespace/secrets/postgres-credentials.yaml")).unwrap();
    assert!(!secret.contains("sha256:"), "{secret}");
    sim.shutdown().await;
}

#[tokio::test]
async fn diff_names_the_changed_field_paths_as_text_and_json() {
    let (sim, dir, kubeconfig) = start("default").await;
    let a = dir.path().join("a");
    let b = dir.path().join("b");
    let (code, ..) = run(
        &kubeconfig,
        dir.path(),
        &["snapshot", "--out", a.to_str().unwrap()],
    )
    .await;
    assert_eq!(code, 0);
    let deployments: Api<Deployment> = Api::namespaced(sim.client(), NS);
    deployments
        .patch(
            "postgres-primary",
            &PatchParams::default(),
            &Patch::Merge(serde_json::json!({"metadata": {"labels": {"tier": "db"}}})),
        )
        .await
        .unwrap();
    let (code, ..) = run(
        &kubeconfig,
        dir.path(),
        &["snapshot", "--out", b.to_str().unwrap()],
    )
    .await;
    assert_eq!(code, 0);
    let (code, text, err) = run(
        &kubeconfig,
        dir.path(),
        &["snapshot", "diff", a.to_str().unwrap(), b.to_str().unwrap()],
    )
    .await;
    assert_eq!(code, 1, "{text}\n{err}");
    assert!(
        text.contains("~ namespace/deployments.apps/postgres-primary: metadata.labels.tier"),
        "{text}"
    );
    let (code, json, _) = run(
        &kubeconfig,
        dir.path(),
        &[
            "snapshot",
            "diff",
            a.to_str().unwrap(),
            b.to_str().unwrap(),
            "--format",
            "json",
        ],
    )
    .await;
    assert_eq!(code, 1);
    let d: serde_json::Value = serde_json::from_str(&json).unwrap();
    let changed = d["changed"].as_array().unwrap();
    assert!(changed.iter().any(
        |c| c["object"] == "namespace/deployments.apps/postgres-primary"
            && c["paths"]
                .as_array()
                .unwrap()
                .contains(&serde_json::json!("metadata.labels.tier"))
    ));
    let (code, same, _) = run(
        &kubeconfig,
        dir.path(),
        &["snapshot", "diff", a.to_str().unwrap(), a.to_str().unwrap()],
    )
    .await;
    assert_eq!((code, same.as_str()), (0, "no difference\n"));
    // not a snapshot: exit 2, named
    let (code, _, err) = run(
        &kubeconfig,
        dir.path(),
        &[
            "snapshot",
            "diff",
            a.to_str().unwrap(),
            dir.path().to_str().unwrap(),
        ],
    )
    .await;
    assert_eq!(code, 2);
    assert!(err.contains("not a snapshot"), "{err}");
    sim.shutdown().await;
}

#[tokio::test]
async fn retention_prunes_old_snapshots_in_the_snapshots_dir() {
    let (sim, dir, kubeconfig) = start("default").await;
    let snaps = dir.path().join("data/kubechat-ops/snapshots");
    let old = snaps.join("kubechat-system-20200101-000000");
    std::fs::create_dir_all(&old).unwrap();
    std::fs::write(
        old.join("manifest.json"),
        serde_json::json!({"tool": "kubechat-ops", "version": "0", "context": "x", "namespace": NS,
            "taken_at": "2020-01-01T00:00:00Z", "secrets": "redacted", "counts": {}, "skipped": {}})
        .to_string(),
    )
    .unwrap();
    let unrelated = snaps.join("notes");
    std::fs::create_dir_all(&unrelated).unwrap();
    let (code, stdout, stderr) = run(&kubeconfig, dir.path(), &["snapshot"]).await;
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(!old.exists(), "{stdout}");
    assert!(unrelated.exists(), "only snapshots are pruned");
    assert!(stdout.contains("older than 30 days"), "{stdout}");
    let kept: Vec<_> = std::fs::read_dir(&snaps).unwrap().collect();
    assert_eq!(kept.len(), 2, "the new snapshot and the unrelated dir");
    sim.shutdown().await;
}

/// The round trip: a snapshot of `default`, applied with real kubectl to an empty
/// simulated cluster (CRDs and cluster RBAC first, then the namespace; the redacted Secrets
/// cannot be applied), snapshots the same: the diff is the Secrets only.
#[tokio::test]
async fn a_snapshot_re_applies_to_an_empty_cluster_and_diffs_empty_but_for_secrets() {
    if !kubectl::kubectl_present() {
        return;
    }
    let (sim, dir, kubeconfig) = start("default").await;
    let a = dir.path().join("a");
    let (code, _, err) = run(
        &kubeconfig,
        dir.path(),
        &["snapshot", "--out", a.to_str().unwrap()],
    )
    .await;
    assert_eq!(code, 0, "{err}");
    sim.shutdown().await;

    let empty = dir.path().join("empty.yaml");
    std::fs::write(
        &empty,
        "name: empty\ndescription: no objects\nobjects: []\n",
    )
    .unwrap();
    let (sim, dir2, kubeconfig2) = start(empty.to_str().unwrap()).await;
    let kubectl = |args: Vec<String>| {
        let mut cmd = Command::new(kubectl::kubectl_path());
        cmd.args(args)
            .env("KUBECONFIG", &kubeconfig2)
            .env("HOME", dir2.path())
            .kill_on_drop(true);
        cmd
    };
    let mut dirs = vec![a.join("cluster")];
    for e in std::fs::read_dir(a.join("namespace")).unwrap() {
        let p = e.unwrap().path();
        if !p.ends_with("secrets") {
            dirs.push(p);
        }
    }
    for d in dirs {
        let out = kubectl(vec![
            "apply".into(),
            "-n".into(),
            NS.into(),
            "-R".into(),
            "-f".into(),
            d.display().to_string(),
        ])
        .output()
        .await
        .unwrap();
        assert!(
            out.status.success(),
            "kubectl apply -f {}: {}",
            d.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let b = dir2.path().join("b");
    let (code, _, err) = run(
        &kubeconfig2,
        dir2.path(),
        &["snapshot", "--out", b.to_str().unwrap()],
    )
    .await;
    assert_eq!(code, 0, "{err}");
    let (_, json, _) = run(
        &kubeconfig2,
        dir2.path(),
        &[
            "snapshot",
            "diff",
            a.to_str().unwrap(),
            b.to_str().unwrap(),
            "--format",
            "json",
        ],
    )
    .await;
    let d: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(d["added"], serde_json::json!([]), "{json}");
    assert_eq!(d["changed"], serde_json::json!([]), "{json}");
    let removed = d["removed"].as_array().unwrap();
    assert!(!removed.is_empty());
    assert!(
        removed
            .iter()
            .all(|r| r.as_str().unwrap().starts_with("namespace/secrets/")),
        "only the redacted Secrets differ: {json}"
    );
    sim.shutdown().await;
}

/// The scenario with no objects at all, speeded up so the restored Deployments turn
/// Available soon.
async fn start_empty(dir: &Path) -> (SimHandle, PathBuf) {
    let empty = dir.join("empty.yaml");
    std::fs::write(
        &empty,
        "name: empty\ndescription: no objects\nobjects: []\n",
    )
    .unwrap();
    let sim = SimHandle::start(SimOptions {
        scenario: empty.display().to_string(),
        speed: 20.0,
        ..SimOptions::default()
    })
    .await
    .unwrap();
    let kubeconfig = dir.join("kubeconfig-empty");
    sim.write_kubeconfig(&kubeconfig).unwrap();
    (sim, kubeconfig)
}

/// The application recovery, natively: a snapshot of `default` taken with its
/// Secrets restores to an empty cluster (CRDs, cluster RBAC, the namespace, its objects,
/// then every Deployment Available), and a snapshot of the result diffs empty.
#[tokio::test]
async fn restore_applies_a_snapshot_to_an_empty_cluster_and_it_snapshots_the_same() {
    let (sim, dir, kubeconfig) = start("default").await;
    let a = dir.path().join("a");
    let (code, _, err) = run(
        &kubeconfig,
        dir.path(),
        &[
            "snapshot",
            "--include-secrets",
            "--out",
            a.to_str().unwrap(),
        ],
    )
    .await;
    assert_eq!(code, 0, "{err}");
    sim.shutdown().await;

    let (sim, kubeconfig) = start_empty(dir.path()).await;
    // a dry run lists, in order, and applies nothing
    let (code, plan, err) = run(
        &kubeconfig,
        dir.path(),
        &["snapshot", "restore", a.to_str().unwrap(), "--dry-run"],
    )
    .await;
    assert_eq!(code, 0, "{err}");
    assert!(
        plan.contains("would apply Deployment postgres-primary"),
        "{plan}"
    );
    assert!(sim.client_writes().is_empty(), "{:?}", sim.client_writes());
    // without --yes: nothing
    let (code, _, err) = run(
        &kubeconfig,
        dir.path(),
        &["snapshot", "restore", a.to_str().unwrap()],
    )
    .await;
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("give --yes"), "{err}");
    assert!(sim.client_writes().is_empty(), "{:?}", sim.client_writes());

    let (code, out, err) = run(
        &kubeconfig,
        dir.path(),
        &[
            "snapshot",
            "restore",
            a.to_str().unwrap(),
            "--yes",
            "--timeout",
            "2m",
        ],
    )
    .await;
    assert_eq!(code, 0, "{out}\n{err}");
    let at = |line: &str| {
        out.find(line)
            .unwrap_or_else(|| panic!("no {line:?} in:\n{out}"))
    };
    assert!(at("applied CustomResourceDefinition") < at("applied ClusterRole"));
    assert!(at("applied ClusterRoleBinding") < at("namespace kubechat-system ready"));
    assert!(at("namespace kubechat-system ready") < at("applied Secret postgres-credentials"));
    assert!(
        at("applied Deployment postgres-primary") < at("available Deployment postgres-primary")
    );
    // no secret value printed
    for v in secret_values(&sim).await {
        assert!(!out.contains(&v) && !err.contains(&v));
    }

    let b = dir.path().join("b");
    let (code, _, err) = run(
        &kubeconfig,
        dir.path(),
        &[
            "snapshot",
            "--include-secrets",
            "--out",
            b.to_str().unwrap(),
        ],
    )
    .await;
    assert_eq!(code, 0, "{err}");
    let (code, text, _) = run(
        &kubeconfig,
        dir.path(),
        &["snapshot", "diff", a.to_str().unwrap(), b.to_str().unwrap()],
    )
    .await;
    assert_eq!((code, text.as_str()), (0, "no difference\n"));
    sim.shutdown().await;
}

/// A redacted snapshot is refused (its values are digests) unless told where the values
/// come from; a read-only context refuses a restore; neither writes anything.
#[tokio::test]
async fn restore_refuses_redacted_secrets_and_read_only_contexts() {
    let (sim, dir, kubeconfig) = start("default").await;
    let redacted = dir.path().join("redacted");
    let clear = dir.path().join("clear");
    for (out, extra) in [(&redacted, None), (&clear, Some("--include-secrets"))] {
        let mut args = vec!["snapshot", "--out", out.to_str().unwrap()];
        args.extend(extra);
        let (code, _, err) = run(&kubeconfig, dir.path(), &args).await;
        assert_eq!(code, 0, "{err}");
    }
    sim.shutdown().await;

    let (sim, kubeconfig) = start_empty(dir.path()).await;
    let (code, _, err) = run(
        &kubeconfig,
        dir.path(),
        &["snapshot", "restore", redacted.to_str().unwrap(), "--yes"],
    )
    .await;
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("redacted")
            && err.contains("postgres-credentials")
            && err.contains("--secrets-from"),
        "{err}"
    );
    // a redacted snapshot as the values' source does not do either
    let (code, _, err) = run(
        &kubeconfig,
        dir.path(),
        &[
            "snapshot",
            "restore",
            redacted.to_str().unwrap(),
            "--secrets-from",
            redacted.to_str().unwrap(),
            "--yes",
        ],
    )
    .await;
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("no clear values"), "{err}");
    // read-only: the flag, and the config's read_only_contexts
    let (code, _, err) = run(
        &kubeconfig,
        dir.path(),
        &[
            "snapshot",
            "restore",
            clear.to_str().unwrap(),
            "--yes",
            "--read-only",
        ],
    )
    .await;
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("context kubechat-sim is read-only"), "{err}");
    let cfg = dir.path().join("config/kubechat-ops");
    std::fs::create_dir_all(&cfg).unwrap();
    std::fs::write(
        cfg.join("config.toml"),
        "read_only_contexts = [\"kubechat-*\"]\n",
    )
    .unwrap();
    let (code, _, err) = run(
        &kubeconfig,
        dir.path(),
        &["snapshot", "restore", clear.to_str().unwrap(), "--yes"],
    )
    .await;
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("is read-only"), "{err}");
    assert!(sim.client_writes().is_empty(), "{:?}", sim.client_writes());
    std::fs::remove_file(cfg.join("config.toml")).unwrap();

    // told where the values come from, it restores
    let (code, out, err) = run(
        &kubeconfig,
        dir.path(),
        &[
            "snapshot",
            "restore",
            redacted.to_str().unwrap(),
            "--secrets-from",
            clear.to_str().unwrap(),
            "--yes",
            "--timeout",
            "2m",
        ],
    )
    .await;
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("applied Secret postgres-credentials"), "{out}");
    sim.shutdown().await;
}

/// Secrets are digested under a random key made once on this machine (0600, in the data
/// dir): two snapshots taken here diff a changed value (and only it), the manifest names
/// the key's id, and neither the key nor a plain SHA-256 of a value is in any snapshot.
#[tokio::test]
async fn secret_digests_are_keyed_by_a_local_key() {
    let (sim, dir, kubeconfig) = start("default").await;
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    let (code, _, err) = run(
        &kubeconfig,
        dir.path(),
        &["snapshot", "--out", a.to_str().unwrap()],
    )
    .await;
    assert_eq!(code, 0, "{err}");
    let key_file = dir.path().join("data/kubechat-ops/snapshot-digest.key");
    let key = std::fs::read(&key_file).unwrap();
    assert_eq!(key.len(), 32);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&key_file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    let secrets: Api<Secret> = Api::namespaced(sim.client(), NS);
    secrets
        .patch(
            "postgres-credentials",
            &PatchParams::default(),
            &Patch::Merge(serde_json::json!({"stringData": {"password": "hunter2"}})),
        )
        .await
        .unwrap();
    let (code, _, err) = run(
        &kubeconfig,
        dir.path(),
        &["snapshot", "--out", b.to_str().unwrap()],
    )
    .await;
    assert_eq!(code, 0, "{err}");
    assert_eq!(std::fs::read(&key_file).unwrap(), key, "made once");
    let manifest = |d: &Path| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(d.join("manifest.json")).unwrap()).unwrap()
    };
    let id = manifest(&a)["digest_key"].clone();
    assert!(id.as_str().is_some_and(|i| i.len() == 16), "{id}");
    assert_eq!(manifest(&b)["digest_key"], id);
    let (code, text, _) = run(
        &kubeconfig,
        dir.path(),
        &["snapshot", "diff", a.to_str().unwrap(), b.to_str().unwrap()],
    )
    .await;
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("~ namespace/secrets/postgres-credentials: data.password\n"),
        "{text}"
    );
    assert!(text.contains("0 added, 0 removed, 1 changed"), "{text}");
    // nothing readable: not the key, not a plain SHA-256 of a value
    let key_hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
    use sha2::Digest as _;
    let plain: String = sha2::Sha256::digest(b"aHVudGVyMg==")
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    for (file, text) in all_files(&a).into_iter().chain(all_files(&b)) {
        assert!(!text.contains(&key_hex), "the key in {}", file.display());
        assert!(
            !text.contains(&plain),
            "an unkeyed digest in {}",
            file.display()
        );
        assert!(!text.contains("hunter2") && !text.contains("aHVudGVyMg=="));
    }
    // another machine (another data dir), another key
    let other = tempfile::tempdir().unwrap();
    let c = other.path().join("c");
    let (code, _, err) = run(
        &kubeconfig,
        other.path(),
        &["snapshot", "--out", c.to_str().unwrap()],
    )
    .await;
    assert_eq!(code, 0, "{err}");
    assert_ne!(manifest(&c)["digest_key"], id);
    sim.shutdown().await;
}
