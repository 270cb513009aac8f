//! The plain-text status of one rollout, for the headless `kubechat-ops rollout status`
//! (issue 4 §5): the same rows the pane shows, judged the way `kubectl rollout status` does.

use super::rows::{derive_rows, replica_sets_by_owner, Phase, RolloutRow, RowTarget};
use super::ClusterData;
use crate::text::short_image;

/// What a script waiting on a rollout should do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Done: exit 0.
    Complete,
    /// Still going (or paused): keep watching until the timeout.
    Waiting,
    /// Degraded or stalled: exit 1.
    Failed,
}

pub fn verdict(row: &RolloutRow) -> Verdict {
    match row.phase {
        Phase::Healthy => Verdict::Complete,
        Phase::Progressing | Phase::Paused => Verdict::Waiting,
        Phase::Degraded | Phase::Stalled => Verdict::Failed,
    }
}

/// One line: "kubechat-auth-service (rolling): Progressing, 2 of 3 updated, 3 ready,
/// 3 available; auth-service:v1.8.0 → auth-service:v1.9.0".
pub fn status_line(row: &RolloutRow) -> String {
    let p = row.progress;
    let images = match &row.image_old {
        Some(old) => format!("{} → {}", short_image(old), short_image(&row.image_new)),
        None => short_image(&row.image_new).to_string(),
    };
    let note = row
        .note
        .as_ref()
        .map(|n| format!(" ({n})"))
        .unwrap_or_default();
    format!(
        "{} ({}): {}{note}, {} of {} updated, {} ready, {} available; {images}",
        row.name,
        row.strategy.label(),
        row.phase.label(),
        p.updated.min(p.desired),
        p.desired,
        p.ready,
        p.available,
    )
}

/// True once every collection a rollout row is derived from has been listed.
pub fn rows_synced(data: &ClusterData) -> bool {
    data.deployments.synced
        && data.replica_sets.synced
        && data.services.synced
        && data.rollouts.synced
}

/// The pane's rows for these collections.
pub fn rows_of(data: &ClusterData) -> Vec<RolloutRow> {
    let by_owner = replica_sets_by_owner(data.replica_sets.values());
    derive_rows(
        data.deployments.values(),
        &by_owner,
        data.services.values(),
        data.rollouts.values(),
    )
}

/// The kubectl-style reference of a row: "deployment/NAME", "service/NAME" (a blue/green
/// pair, named by its Service) or "rollout/NAME".
pub fn row_ref(row: &RolloutRow) -> String {
    match &row.target {
        RowTarget::Deployment(name) => format!("deployment/{name}"),
        RowTarget::Slot { deployment, .. } => format!("deployment/{deployment}"),
        RowTarget::BlueGreen { service, .. } => format!("service/{service}"),
        RowTarget::Rollout(name) => format!("rollout/{name}"),
    }
}

/// Why a `rollout status` argument names no single rollout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FindError {
    NotFound,
    /// More than one kind has this name: the references to choose from.
    Ambiguous(Vec<String>),
    BadKind(String),
}

/// The row a `rollout status` argument names: "NAME", or kubectl-style "deployment/NAME"
/// ("deploy/", "deployments/"), "rollout/NAME" ("ro/", "rollouts/"), "service/NAME"
/// ("svc/") for a blue/green pair.
pub fn find_row<'a>(rows: &'a [RolloutRow], query: &str) -> Result<&'a RolloutRow, FindError> {
    let (kind, name) = match query.split_once('/') {
        Some((kind, name)) => {
            let kind = match kind.to_ascii_lowercase().as_str() {
                "deployment" | "deployments" | "deploy" => "deployment",
                "rollout" | "rollouts" | "ro" => "rollout",
                "service" | "services" | "svc" => "service",
                other => return Err(FindError::BadKind(other.to_string())),
            };
            (Some(kind), name)
        }
        None => (None, query),
    };
    let found: Vec<&RolloutRow> = rows
        .iter()
        .filter(|row| {
            let reference = row_ref(row);
            let (row_kind, row_name) = reference.split_once('/').unwrap_or(("", ""));
            row_name == name && kind.is_none_or(|k| k == row_kind)
        })
        .collect();
    match found.as_slice() {
        [] => Err(FindError::NotFound),
        [one] => Ok(one),
        many => Err(FindError::Ambiguous(
            many.iter().map(|r| row_ref(r)).collect(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::rows::{Progress, RowTarget, StrategyKind};

    #[test]
    fn line_and_verdict() {
        let row = RolloutRow {
            name: "kubechat-auth-service".into(),
            target: RowTarget::Deployment("kubechat-auth-service".into()),
            depth: 0,
            strategy: StrategyKind::RollingUpdate,
            phase: Phase::Progressing,
            progress: Progress {
                desired: 3,
                updated: 2,
                ready: 3,
                available: 3,
            },
            image_old: Some("reg/kc/auth-service:v1.8.0".into()),
            image_new: "reg/kc/auth-service:v1.9.0".into(),
            since: None,
            note: None,
        };
        assert_eq!(
            status_line(&row),
            "kubechat-auth-service (rolling): Progressing, 2 of 3 updated, 3 ready, 3 available; auth-service:v1.8.0 → auth-service:v1.9.0"
        );
        assert_eq!(verdict(&row), Verdict::Waiting);
        let stalled = RolloutRow {
            phase: Phase::Stalled,
            note: Some("ProgressDeadlineExceeded".into()),
            ..row.clone()
        };
        assert_eq!(verdict(&stalled), Verdict::Failed);
        assert!(status_line(&stalled).contains("Stalled (ProgressDeadlineExceeded), "));
        let done = RolloutRow {
            phase: Phase::Healthy,
            ..row
        };
        assert_eq!(verdict(&done), Verdict::Complete);
    }

    #[test]
    fn find_row_by_name_and_kind() {
        let s = crate::shell::test_support::state(false);
        let rows = rows_of(&s.cluster);
        assert_eq!(rows.len(), s.cluster.rows.len());
        let refs: Vec<String> = rows.iter().map(row_ref).collect();
        // every row can be found by its own reference
        for r in &refs {
            assert_eq!(row_ref(find_row(&rows, r).unwrap()), *r);
        }
        assert_eq!(find_row(&rows, "no-such"), Err(FindError::NotFound));
        assert_eq!(
            find_row(&rows, "pod/x"),
            Err(FindError::BadKind("pod".into()))
        );
        // a bare name shared by two kinds (the sim's Service and Rollout are both
        // kubechat-api-gateway) is refused, naming both; the kind picks one
        let mut rows = rows;
        let pair = rows
            .iter()
            .find(|r| matches!(r.target, RowTarget::BlueGreen { .. }))
            .cloned()
            .unwrap();
        rows.push(RolloutRow {
            target: RowTarget::Rollout(pair.name.clone()),
            ..pair.clone()
        });
        match find_row(&rows, &pair.name) {
            Err(FindError::Ambiguous(c)) => assert_eq!(
                c,
                [
                    format!("service/{}", pair.name),
                    format!("rollout/{}", pair.name)
                ]
            ),
            other => panic!("{other:?}"),
        }
        let picked = find_row(&rows, &format!("ro/{}", pair.name)).unwrap();
        assert!(matches!(picked.target, RowTarget::Rollout(_)));
    }
}
