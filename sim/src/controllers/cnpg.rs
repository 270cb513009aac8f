//! The CloudNativePG operator, as far as backups go: a Cluster with a backup store
//! archives a WAL segment every [`WAL_EVERY`] while its `ContinuousArchiving` condition is
//! True (`status.lastArchivedWAL`, `lastArchivedWALTime`), and a Backup runs for
//! [`BACKUP_TAKES`] then completes (the Cluster's `lastSuccessfulBackup`, and its
//! `firstRecoverabilityPoint` when it had none). While archiving is failing (the condition
//! False, as the `stale-backup` scenario writes it) nothing is archived and a Backup fails,
//! as a real base backup does when its WAL cannot be archived (`lastFailedBackup`).

use jiff::SignedDuration;
use serde_json::{json, Value};

use super::util::{self, name};
use super::Ctx;
use crate::clock::rfc3339;
use crate::resources::{self, Resource};

/// How often a healthy cluster archives a WAL segment (simulated time).
pub const WAL_EVERY: SignedDuration = SignedDuration::from_mins(5);
/// How long a base backup takes.
pub const BACKUP_TAKES: SignedDuration = SignedDuration::from_secs(30);

fn clusters() -> &'static Resource {
    resources::of("postgresql.cnpg.io", "clusters")
}

fn backups() -> &'static Resource {
    resources::of("postgresql.cnpg.io", "backups")
}

/// True unless the Cluster's ContinuousArchiving condition says False.
fn archiving_ok(cluster: &Value) -> bool {
    cluster["status"]["conditions"]
        .as_array()
        .and_then(|cs| cs.iter().find(|c| c["type"] == "ContinuousArchiving"))
        .is_none_or(|c| c["status"] != "False")
}

/// The WAL segment after `wal` (24 hex digits: timeline, log, segment).
fn next_wal(wal: &str) -> String {
    if wal.len() != 24 || !wal.chars().all(|c| c.is_ascii_hexdigit()) {
        return "000000010000000000000001".into();
    }
    let timeline = &wal[..8];
    let log = u64::from_str_radix(&wal[8..16], 16).unwrap_or(0);
    let seg = u64::from_str_radix(&wal[16..], 16).unwrap_or(0);
    let (log, seg) = if seg >= 0xFF {
        (log + 1, 0)
    } else {
        (log, seg + 1)
    };
    format!("{timeline}{log:08X}{seg:08X}")
}

pub fn sync_all(ctx: &mut Ctx) {
    for cluster in ctx.store.list(clusters(), None) {
        if util::is_deleting(&cluster) || cluster["spec"]["backup"].is_null() {
            continue;
        }
        archive(ctx, &cluster);
    }
    for backup in ctx.store.list(backups(), None) {
        if util::is_deleting(&backup) {
            continue;
        }
        run_backup(ctx, &backup);
    }
}

fn archive(ctx: &mut Ctx, cluster: &Value) {
    if !archiving_ok(cluster) {
        return;
    }
    let last = util::timestamp(&cluster["status"]["lastArchivedWALTime"]);
    if last.is_some_and(|t| ctx.now.duration_since(t) < WAL_EVERY) {
        return;
    }
    let wal = next_wal(cluster["status"]["lastArchivedWAL"].as_str().unwrap_or(""));
    let now = rfc3339(ctx.now);
    let ns = util::namespace(cluster).to_string();
    let has_condition = cluster["status"]["conditions"]
        .as_array()
        .is_some_and(|cs| cs.iter().any(|c| c["type"] == "ContinuousArchiving"));
    let _ = ctx.store.modify(clusters(), &ns, name(cluster), |c| {
        c["status"]["lastArchivedWAL"] = json!(wal);
        c["status"]["lastArchivedWALTime"] = json!(now);
        if !has_condition {
            let condition = json!({"type": "ContinuousArchiving", "status": "True",
                "reason": "ContinuousArchivingSuccess", "message": "Continuous archiving is working",
                "lastTransitionTime": now});
            match c["status"]["conditions"].as_array_mut() {
                Some(cs) => cs.push(condition),
                None => c["status"]["conditions"] = json!([condition]),
            }
        }
    });
}

fn run_backup(ctx: &mut Ctx, backup: &Value) {
    let phase = backup["status"]["phase"].as_str().unwrap_or("");
    if matches!(phase, "completed" | "failed") {
        return;
    }
    let ns = util::namespace(backup).to_string();
    let now = ctx.now;
    let Some(started) = util::timestamp(&backup["status"]["startedAt"]) else {
        let _ = ctx.store.modify(backups(), &ns, name(backup), |b| {
            b["status"]["phase"] = json!("running");
            b["status"]["startedAt"] = json!(rfc3339(now));
            b["status"]["method"] = b["spec"]["method"].clone();
        });
        return;
    };
    if now.duration_since(started) < BACKUP_TAKES {
        return;
    }
    let cluster_name = backup["spec"]["cluster"]["name"].as_str().unwrap_or("");
    let cluster = ctx.store.get(clusters(), &ns, cluster_name);
    let ok = cluster.as_deref().is_some_and(archiving_ok);
    let stamp = rfc3339(now);
    let error = match &cluster {
        None => format!("unknown cluster {cluster_name}"),
        Some(_) => "backup failed: WAL archiving is not working (the WAL files the base backup needs could not be archived)".to_string(),
    };
    let wal = cluster
        .as_deref()
        .and_then(|c| c["status"]["lastArchivedWAL"].as_str().map(str::to_string));
    let _ = ctx.store.modify(backups(), &ns, name(backup), |b| {
        b["status"]["stoppedAt"] = json!(stamp);
        if ok {
            b["status"]["phase"] = json!("completed");
            b["status"]["backupId"] = json!(now.strftime("%Y%m%dT%H%M%S").to_string());
            if let Some(w) = &wal {
                b["status"]["beginWal"] = json!(w);
                b["status"]["endWal"] = json!(w);
            }
        } else {
            b["status"]["phase"] = json!("failed");
            b["status"]["error"] = json!(error);
        }
    });
    if cluster.is_some() {
        let _ = ctx.store.modify(clusters(), &ns, cluster_name, |c| {
            if ok {
                c["status"]["lastSuccessfulBackup"] = json!(stamp);
                if c["status"]["firstRecoverabilityPoint"].is_null() {
                    c["status"]["firstRecoverabilityPoint"] = json!(stamp);
                }
            } else {
                c["status"]["lastFailedBackup"] = json!(stamp);
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wal_segments_count_up_in_hex() {
        assert_eq!(
            next_wal("000000010000000A000000F3"),
            "000000010000000A000000F4"
        );
        assert_eq!(
            next_wal("000000010000000A000000FF"),
            "000000010000000B00000000"
        );
        assert_eq!(next_wal(""), "000000010000000000000001");
    }

    #[test]
    fn archiving_fails_only_when_the_condition_says_false() {
        assert!(archiving_ok(&json!({})));
        assert!(!archiving_ok(&json!({"status": {"conditions": [
            {"type": "ContinuousArchiving", "status": "False"}]}})));
    }
}
