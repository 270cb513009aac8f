//! The plain-text status of one rollout, for the headless `kubechat-ops rollout status`
//! (issue 4 §5): the same rows the pane shows, judged the way `kubectl rollout status` does.

use super::rollouts::{Phase, RolloutRow};

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

fn short_image(image: &str) -> &str {
    image.rsplit('/').next().unwrap_or(image)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::rollouts::{Progress, RowTarget, StrategyKind};

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
}
