//! The Backups pane through the shell: verdicts from watched CronJobs and Jobs, the
//! timeline note when one turns stale or failing, the failed run's log tail, and the
//! confirmed writes (run now, suspend, resume) with the read-only guard.

use serde_json::json;

use super::LOG_STREAM_ID;
use crate::cluster::backup::Verdict;
use crate::cluster::backup_view::{CronJobView, JobView};
use crate::effect::{ClusterWrite, Effect, LogPods};
use crate::feed::EntryKind;
use crate::msg::{Change, KubeMsg, LogMsg, Msg};
use crate::shell::overlay::Overlay;
use crate::shell::test_support::{key, state, ts, writes};
use crate::shell::{update, State};

/// The fixture's clock (`state()` ticks at 2026-11-28T15:10:00Z).
fn cronjob(last_success: &str) -> CronJobView {
    CronJobView::from_json(&json!({
        "metadata": {"name": "postgres-backup", "uid": "u1", "creationTimestamp": "2026-10-01T00:00:00Z"},
        "spec": {"schedule": "0 2 * * *"},
        "status": {"lastSuccessfulTime": last_success}
    }))
}

fn failed_job(name: &str, at: &str) -> JobView {
    JobView::from_json(&json!({
        "metadata": {"name": name, "creationTimestamp": at,
            "ownerReferences": [{"kind": "CronJob", "name": "postgres-backup", "controller": true}]},
        "status": {"conditions": [{"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded",
            "message": "Job has reached the specified backoff limit", "lastTransitionTime": at}]}
    }))
}

fn feed(s: &mut State, cronjobs: Vec<CronJobView>, jobs: Vec<JobView>) -> Vec<Effect> {
    let mut effects = Vec::new();
    effects.extend(update(s, Msg::Kube(KubeMsg::CronJobs(Change::Reset))));
    for c in cronjobs {
        effects.extend(update(s, Msg::Kube(KubeMsg::CronJobs(Change::Upsert(c)))));
    }
    effects.extend(update(s, Msg::Kube(KubeMsg::CronJobs(Change::Ready))));
    effects.extend(update(s, Msg::Kube(KubeMsg::Jobs(Change::Reset))));
    for j in jobs {
        effects.extend(update(s, Msg::Kube(KubeMsg::Jobs(Change::Upsert(j)))));
    }
    effects.extend(update(s, Msg::Kube(KubeMsg::Jobs(Change::Ready))));
    effects
}

#[test]
fn stale_goes_on_the_timeline_with_the_failed_runs_reason_and_log_tail() {
    let mut s = state(false);
    let effects = feed(
        &mut s,
        vec![cronjob("2026-11-25T15:00:00Z")],
        vec![failed_job("postgres-backup-1", "2026-11-28T15:00:00Z")],
    );
    let h = &s.panes.backups.health[0];
    assert_eq!(h.verdict, Verdict::Stale, "{}", h.reason);
    let note = s
        .timeline
        .newest_first()
        .find(|e| e.text.starts_with("backup postgres-backup is stale"))
        .expect("a timeline entry");
    assert!(note.bad && note.kind == EntryKind::Warning);
    assert!(note.text.contains("BackoffLimitExceeded"), "{}", note.text);
    // and an alert opens in the KPI pane's alert list
    let alert = &s.kpis.console_alerts["backup/postgres-backup"];
    assert_eq!(alert.name, "BackupStale postgres-backup");
    // the failed run's pod log is read, its tail kept
    let stream = effects
        .iter()
        .find_map(|e| match e {
            Effect::StreamLogs(l) if l.id == LOG_STREAM_ID => Some(l.clone()),
            _ => None,
        })
        .expect("the failed run's log is read");
    assert_eq!(
        stream.pods,
        LogPods::Selector("job-name=postgres-backup-1".into())
    );
    assert!(!stream.follow);
    let lines: Vec<String> = (0..12).map(|i| format!("line {i}")).collect();
    update(
        &mut s,
        Msg::Log(LogMsg::Lines {
            id: LOG_STREAM_ID,
            pod: "postgres-backup-1-abc".into(),
            lines,
        }),
    );
    assert_eq!(s.panes.backups.log_lines.len(), super::LOG_TAIL);
    assert_eq!(s.panes.backups.log_lines.last().unwrap(), "line 11");
    // judged again at the next tick: the same verdict is not noted twice
    let before = s.timeline.len();
    update(&mut s, Msg::Tick(ts("2026-11-28T15:10:01Z")));
    assert_eq!(s.timeline.len(), before);
}

#[test]
fn run_now_asks_then_writes_a_job_named_like_kubectl_create_job_from() {
    let mut s = state(false);
    feed(&mut s, vec![cronjob("2026-11-28T02:03:00Z")], vec![]);
    assert_eq!(s.panes.backups.health[0].verdict, Verdict::Fresh);
    update(&mut s, key('7'));
    assert!(update(&mut s, key('r')).is_empty());
    let Overlay::Confirm(p) = &s.overlay else {
        panic!("expected a confirmation, got {:?}", s.overlay)
    };
    let job = format!(
        "postgres-backup-manual-{}",
        ts("2026-11-28T15:10:00Z").as_second() % 1_000_000
    );
    assert_eq!(
        p.prompt,
        format!("Run the backup now: create job {job} from cronjob/postgres-backup?")
    );
    let effects = update(&mut s, key('y'));
    assert_eq!(
        writes(&effects),
        vec![&ClusterWrite::RunCronJob {
            cronjob: "postgres-backup".into(),
            job
        }]
    );
    // suspend: asked, with its caution; resume of a running CronJob is refused at once
    update(&mut s, key('s'));
    let Overlay::Confirm(p) = &s.overlay else {
        panic!("expected a confirmation, got {:?}", s.overlay)
    };
    assert!(p.caution.is_some());
    let effects = update(&mut s, key('y'));
    assert_eq!(
        writes(&effects),
        vec![&ClusterWrite::SuspendCronJob {
            name: "postgres-backup".into(),
            suspend: true
        }]
    );
    assert!(writes(&update(&mut s, key('u'))).is_empty());
    assert!(s.overlay.is_none());
}

#[test]
fn read_only_refuses_every_backup_write_before_asking() {
    let mut s = state(true);
    feed(&mut s, vec![cronjob("2026-11-28T02:03:00Z")], vec![]);
    update(&mut s, key('7'));
    for k in ['r', 's', 'u'] {
        let effects = update(&mut s, key(k));
        assert!(writes(&effects).is_empty(), "{k}");
        assert!(!matches!(s.overlay, Overlay::Confirm(_)), "{k}");
        update(&mut s, key('n'));
    }
    // a snapshot reads the cluster and writes local files: allowed
    assert_eq!(update(&mut s, key('S')), vec![Effect::Snapshot]);
}

#[test]
fn wal_archiving_turning_failing_goes_on_the_timeline() {
    use crate::cluster::cnpg_view::CnpgClusterView;
    let mut s = state(false);
    feed(&mut s, vec![cronjob("2026-11-28T02:03:00Z")], vec![]);
    let cluster = |ok: bool| {
        CnpgClusterView::from_json(&json!({
            "metadata": {"name": "kubechat-postgres"},
            "spec": {"backup": {"barmanObjectStore": {}}},
            "status": {"lastArchivedWALTime": "2026-11-28T15:08:00Z",
                "conditions": [{"type": "ContinuousArchiving", "status": if ok {"True"} else {"False"},
                    "reason": "ContinuousArchivingFailing", "message": "exit status 4"}]}
        }))
    };
    update(&mut s, Msg::Kube(KubeMsg::CnpgClusters(Change::Ready)));
    update(
        &mut s,
        Msg::Kube(KubeMsg::CnpgClusters(Change::Upsert(cluster(true)))),
    );
    assert!(!s
        .timeline
        .newest_first()
        .any(|e| e.text.contains("WAL archiving")));
    update(
        &mut s,
        Msg::Kube(KubeMsg::CnpgClusters(Change::Upsert(cluster(false)))),
    );
    let last = s.timeline.last().unwrap();
    assert!(last.bad, "{}", last.text);
    assert!(
        last.text
            .starts_with("WAL archiving of cluster kubechat-postgres is failing"),
        "{}",
        last.text
    );
    assert!(last.text.contains("exit status 4"), "{}", last.text);
    assert!(s
        .kpis
        .console_alerts
        .contains_key("archiving/kubechat-postgres"));
}

#[test]
fn a_new_success_after_failing_is_noted_as_recovered() {
    let mut s = state(false);
    feed(
        &mut s,
        vec![cronjob("2026-11-28T02:03:00Z")],
        vec![failed_job("postgres-backup-1", "2026-11-28T15:00:00Z")],
    );
    assert_eq!(s.panes.backups.health[0].verdict, Verdict::Failing);
    assert_eq!(
        s.kpis.console_alerts["backup/postgres-backup"].name,
        "BackupFailing postgres-backup"
    );
    let ok = JobView::from_json(&json!({
        "metadata": {"name": "postgres-backup-manual-1", "creationTimestamp": "2026-11-28T15:05:00Z",
            "ownerReferences": [{"kind": "CronJob", "name": "postgres-backup", "controller": true}]},
        "status": {"completionTime": "2026-11-28T15:06:00Z",
            "conditions": [{"type": "Complete", "status": "True"}]}
    }));
    update(&mut s, Msg::Kube(KubeMsg::Jobs(Change::Upsert(ok))));
    assert_eq!(s.panes.backups.health[0].verdict, Verdict::Fresh);
    assert!(
        s.kpis.console_alerts.is_empty(),
        "the alert closes with the recovery"
    );
    let last = s.timeline.last().unwrap();
    assert!(
        last.text
            .starts_with("backup postgres-backup is fresh again"),
        "{}",
        last.text
    );
}
