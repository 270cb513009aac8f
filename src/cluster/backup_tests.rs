use super::*;

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn nightly(last_success: Option<&str>) -> CronJobView {
    CronJobView {
        name: "postgres-backup".into(),
        schedule: "0 2 * * *".into(),
        created: Some(ts("2026-11-01T00:00:00Z")),
        last_successful: last_success.map(ts),
        ..Default::default()
    }
}

fn job(name: &str, outcome: JobOutcome, finished: &str) -> JobView {
    JobView {
        name: name.into(),
        cronjob: Some("postgres-backup".into()),
        created: Some(ts(finished) - SignedDuration::from_mins(2)),
        finished: (outcome != JobOutcome::Running).then(|| ts(finished)),
        outcome,
        failure: (outcome == JobOutcome::Failed).then(|| "BackoffLimitExceeded".into()),
        ..Default::default()
    }
}

#[test]
fn schedule_in_words_next_run_and_interval() {
    let h = assess(
        &nightly(Some("2026-12-01T02:04:00Z")),
        &[],
        ts("2026-12-01T10:00:00Z"),
        &BackupPolicy::default(),
    );
    assert_eq!(h.schedule_words, "At 02:00");
    assert_eq!(h.next_run, Some(ts("2026-12-02T02:00:00Z")));
    assert_eq!(h.interval_seconds, Some(86_400));
    assert_eq!(h.rpo_seconds, Some(86_400 + 3600));
    assert_eq!(h.verdict, Verdict::Fresh, "{}", h.reason);
    assert_eq!(h.age_seconds, Some(7 * 3600 + 56 * 60));
}

#[test]
fn the_verdicts_worst_first() {
    let policy = BackupPolicy::default();
    let now = ts("2026-12-01T10:00:00Z");
    // within one interval: fresh
    let fresh = assess(&nightly(Some("2026-11-30T12:00:00Z")), &[], now, &policy);
    assert_eq!(fresh.verdict, Verdict::Fresh);
    // past one interval, within interval + grace: late
    let late = assess(&nightly(Some("2026-11-30T09:30:00Z")), &[], now, &policy);
    assert_eq!(late.verdict, Verdict::Late, "{}", late.reason);
    // past the RPO: stale, even while runs fail
    let failed = job(
        "postgres-backup-1",
        JobOutcome::Failed,
        "2026-12-01T02:05:00Z",
    );
    let stale = assess(
        &nightly(Some("2026-11-28T02:05:00Z")),
        &[&failed],
        now,
        &policy,
    );
    assert_eq!(stale.verdict, Verdict::Stale, "{}", stale.reason);
    assert_eq!(
        stale.last_failure.as_ref().unwrap().name,
        "postgres-backup-1"
    );
    // a failure after the last success, within the RPO: failing
    let failing = assess(
        &nightly(Some("2026-11-30T12:00:00Z")),
        &[&failed],
        now,
        &policy,
    );
    assert_eq!(failing.verdict, Verdict::Failing, "{}", failing.reason);
    // a success after the failure clears it
    let ok = job(
        "postgres-backup-2",
        JobOutcome::Complete,
        "2026-12-01T09:00:00Z",
    );
    let recovered = assess(&nightly(None), &[&failed, &ok], now, &policy);
    assert_eq!(recovered.verdict, Verdict::Fresh, "{}", recovered.reason);
    assert_eq!(
        recovered.last_success_job.as_deref(),
        Some("postgres-backup-2")
    );
}

#[test]
fn an_rpo_of_its_own_replaces_interval_plus_grace() {
    let mut policy = BackupPolicy::default();
    policy
        .rpo
        .insert("postgres-backup".into(), SignedDuration::from_hours(6));
    let h = assess(
        &nightly(Some("2026-12-01T02:04:00Z")),
        &[],
        ts("2026-12-01T10:00:00Z"),
        &policy,
    );
    assert!(h.rpo_configured);
    assert_eq!(h.verdict, Verdict::Stale, "{}", h.reason);
}

#[test]
fn never_succeeded_is_stale_once_older_than_the_rpo() {
    let policy = BackupPolicy::default();
    let h = assess(&nightly(None), &[], ts("2026-12-01T10:00:00Z"), &policy);
    assert_eq!(h.verdict, Verdict::Stale);
    assert!(h.reason.contains("never succeeded"), "{}", h.reason);
    let mut young = nightly(None);
    young.created = Some(ts("2026-12-01T09:00:00Z"));
    let h = assess(&young, &[], ts("2026-12-01T10:00:00Z"), &policy);
    assert_eq!(h.verdict, Verdict::Fresh);
}

#[test]
fn an_unreadable_schedule_cannot_be_judged_and_says_why() {
    let mut cj = nightly(Some("2026-12-01T02:04:00Z"));
    cj.schedule = "every night".into();
    let h = assess(
        &cj,
        &[],
        ts("2026-12-01T10:00:00Z"),
        &BackupPolicy::default(),
    );
    assert_eq!(h.verdict, Verdict::Unknown);
    assert!(h.reason.contains("every night"), "{}", h.reason);
}

#[test]
fn running_jobs_and_suspension_are_reported() {
    let mut cj = nightly(Some("2026-12-01T02:04:00Z"));
    cj.suspend = true;
    cj.active = vec!["postgres-backup-9".into()];
    let h = assess(
        &cj,
        &[],
        ts("2026-12-01T10:00:00Z"),
        &BackupPolicy::default(),
    );
    assert_eq!(h.running, vec!["postgres-backup-9".to_string()]);
    assert!(h.suspended && h.next_run.is_none());
    assert!(h.reason.ends_with("suspended"), "{}", h.reason);
}

#[test]
fn postgres_backup_comes_first_and_jobs_go_to_their_owner() {
    let a = CronJobView {
        name: "a-report".into(),
        schedule: "@hourly".into(),
        ..Default::default()
    };
    let pg = nightly(Some("2026-12-01T02:04:00Z"));
    let failed = job(
        "postgres-backup-1",
        JobOutcome::Failed,
        "2026-12-01T09:05:00Z",
    );
    let all = assess_all(
        [&a, &pg],
        &[&failed],
        ts("2026-12-01T10:00:00Z"),
        &BackupPolicy::default(),
    );
    assert_eq!(all[0].name, "postgres-backup");
    assert_eq!(all[0].verdict, Verdict::Failing);
    assert!(all[1].last_failure.is_none());
    assert_eq!(all[1].interval_seconds, Some(3600));
}

#[test]
fn manual_job_names_are_valid_label_values() {
    let now = ts("2026-12-01T10:00:00Z");
    assert_eq!(
        manual_job_name("postgres-backup", now),
        format!("postgres-backup-manual-{}", now.as_second() % 1_000_000)
    );
    let long = "x".repeat(80);
    assert!(manual_job_name(&long, now).len() <= 63);
}

fn zoned(tz: &str, schedule: &str) -> CronJobView {
    CronJobView {
        schedule: schedule.into(),
        time_zone: Some(tz.into()),
        ..nightly(None)
    }
}

#[test]
fn the_schedule_runs_in_the_cronjobs_time_zone() {
    let policy = BackupPolicy::default();
    // 02:00 in Tokyo (UTC+9) is 17:00 UTC the day before
    let h = assess(
        &zoned("Asia/Tokyo", "0 2 * * *"),
        &[],
        ts("2026-12-01T10:00:00Z"),
        &policy,
    );
    assert_eq!(h.next_run, Some(ts("2026-12-01T17:00:00Z")));
    assert_eq!(h.time_zone.as_deref(), Some("Asia/Tokyo"));
    // New York springs forward on 8 March 2026: 02:00 does not exist, the run is at 03:00
    // EDT, and the next a day of 23 hours later — the RPO shrinks with it
    let h = assess(
        &zoned("America/New_York", "0 2 * * *"),
        &[],
        ts("2026-03-08T05:00:00Z"),
        &policy,
    );
    assert_eq!(h.next_run, Some(ts("2026-03-08T07:00:00Z")));
    assert_eq!(h.interval_seconds, Some(23 * 3600));
    assert_eq!(h.rpo_seconds, Some(24 * 3600));
    // a last success 23.5 hours before the run: late in New York, fresh if read in UTC
    let mut cj = zoned("America/New_York", "0 2 * * *");
    cj.last_successful = Some(ts("2026-03-07T07:30:00Z"));
    let now = ts("2026-03-08T06:59:00Z");
    assert_eq!(assess(&cj, &[], now, &policy).verdict, Verdict::Late);
    cj.time_zone = None;
    assert_eq!(assess(&cj, &[], now, &policy).verdict, Verdict::Fresh);
    // falling back on 1 November 2026, 01:30 comes twice: it runs once, then 25 hours on
    let h = assess(
        &zoned("America/New_York", "30 1 * * *"),
        &[],
        ts("2026-11-01T04:00:00Z"),
        &policy,
    );
    assert_eq!(h.next_run, Some(ts("2026-11-01T05:30:00Z")));
    assert_eq!(h.interval_seconds, Some(25 * 3600));
    // a zone nobody knows: nothing can be said
    let h = assess(
        &zoned("Mars/Olympus_Mons", "0 2 * * *"),
        &[],
        ts("2026-12-01T10:00:00Z"),
        &policy,
    );
    assert_eq!(h.verdict, Verdict::Unknown);
    assert!(h.reason.contains("unknown timeZone"), "{}", h.reason);
}
