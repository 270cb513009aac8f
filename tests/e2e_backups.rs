//! The Backups pane end to end: the console in tmux against the demo cluster. In
//! `stale-backup` the pane says stale and a backup run now creates the Job, which fails as
//! the scenario says (pg_dump cannot authenticate); in `default` it succeeds and the
//! backup is fresh.

#[path = "support/bin.rs"]
mod bin;
#[path = "common/console.rs"]
mod console;
#[path = "support/skip.rs"]
mod skip;
#[path = "common/tmux.rs"]
mod tmux;

use std::time::Duration;

use console::{skip_without_tmux, start};

/// Jobs take a minute of simulated time to fail (three tries); the demo runs 10× faster.
const JOB_PATIENCE: Duration = Duration::from_secs(90);

fn line_with<'a>(screen: &'a str, text: &str) -> &'a str {
    screen.lines().find(|l| l.contains(text)).unwrap_or("")
}

#[test]
fn stale_backup_is_stale_and_a_run_now_fails_as_the_scenario_says() {
    if skip_without_tmux() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let t = start(dir.path(), "--demo stale-backup --demo-speed 10", &[]);
    t.wait_text("kubechat-api-gateway");
    t.keys(&["7"]);
    t.wait_text("Backups");
    let screen = t.wait_text("postgres-backup STALE");
    assert!(
        screen.contains("beyond the RPO of"),
        "the reason is shown:\n{screen}"
    );
    // CloudNativePG's archiving is stale too, and says why
    t.wait_text("cluster kubechat-postgres WAL failing");
    t.wait_text("InvalidAccessKeyId");
    // the missed nightly run fails first: its reason and its pod's log tail
    t.wait_for_within(JOB_PATIENCE, "the scheduled run to fail", |s| {
        s.contains("last fail") && s.contains("password authentication failed")
    });
    t.keys(&["r"]);
    t.wait_text("Run the backup now: create job postgres-backup-manual-");
    t.keys(&["y"]);
    t.wait_text("--from=cronjob/postgres-backup: done");
    let screen = t.wait_for_within(JOB_PATIENCE, "the manual run to fail", |s| {
        line_with(s, "· manual").contains("✗ failed")
    });
    assert!(
        line_with(&screen, "┃last fail ").contains("postgres-backup-manual-"),
        "the manual run is the last failure:\n{screen}"
    );
    assert!(screen.contains("postgres-backup STALE"), "{screen}");
    // and the timeline heard it
    t.keys(&["3"]);
    t.wait_text("backup postgres-backup is stale");
    t.keys(&["q"]);
    assert_eq!(t.wait_exit(), 0, "exit status; screen:\n{}", t.screen());
}

#[test]
fn default_run_now_succeeds_and_the_backup_is_fresh() {
    if skip_without_tmux() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let t = start(dir.path(), "--demo --demo-speed 10", &[]);
    t.wait_text("kubechat-api-gateway");
    t.keys(&["7"]);
    t.wait_text("postgres-backup FRESH");
    t.wait_text("cluster kubechat-postgres WAL archiving");
    t.keys(&["r"]);
    t.wait_text("Run the backup now: create job postgres-backup-manual-");
    t.keys(&["y"]);
    let screen = t.wait_for_within(JOB_PATIENCE, "the manual run to complete", |s| {
        line_with(s, "· manual").contains("✓ complete")
    });
    assert!(screen.contains("postgres-backup FRESH"), "{screen}");
    assert!(
        line_with(&screen, "┃last ok ").contains("job postgres-backup-manual-"),
        "the manual run is the last success:\n{screen}"
    );
    // S: a configuration snapshot into the data dir, secrets redacted
    t.keys(&["S"]);
    t.wait_text("objects in");
    let snaps = dir.path().join("data/kubechat-ops/snapshots");
    let taken: Vec<_> = std::fs::read_dir(&snaps).unwrap().collect();
    assert_eq!(taken.len(), 1, "one snapshot in {}", snaps.display());
    let snap = taken[0].as_ref().unwrap().path();
    let secret =
        std::fs::read_to_string(snap.join("namespace/secrets/postgres-credentials.yaml")).unwrap();
    assert!(secret.contains("password: hmac-sha256:"), "{secret}");
    t.keys(&["q"]);
    assert_eq!(t.wait_exit(), 0, "exit status; screen:\n{}", t.screen());
    // the scenario's secret (assets/scenarios/default.yaml, postgres-credentials), base64
    // and in clear, is nowhere: not in the snapshot, the log file or on screen
    let secrets = [
        "c2ltdWxhdGVkLW5vdC1hLXJlYWwtc2VjcmV0",
        "simulated-not-a-real-secret",
    ];
    let mut texts = vec![("screen".to_string(), t.screen())];
    let mut stack = vec![dir.path().to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if let Ok(text) = std::fs::read_to_string(&p) {
                texts.push((p.display().to_string(), text));
            }
        }
    }
    assert!(
        texts.iter().any(|(p, _)| p.ends_with("kubechat-ops.log")),
        "the log file was read"
    );
    for (file, text) in &texts {
        for s in secrets {
            assert!(!text.contains(s), "the secret in {file}");
        }
    }
}
