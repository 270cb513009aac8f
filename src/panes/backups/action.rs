//! The Backups pane's actions: running a backup now, suspending and resuming a CronJob
//! change the cluster (after a confirmation); reading the failed run's logs does not.

use crate::effect::{Permission, CREATE_JOBS, PATCH_CRONJOBS};
use crate::panes::ActionSpec;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    RunNow,
    Suspend,
    Resume,
    Logs,
    Snapshot,
}

impl ActionSpec for Action {
    const ALL: &'static [Action] = &[
        Action::RunNow,
        Action::Suspend,
        Action::Resume,
        Action::Logs,
        Action::Snapshot,
    ];
    const HINTS: &'static [Action] = &[
        Action::RunNow,
        Action::Suspend,
        Action::Resume,
        Action::Snapshot,
    ];

    fn name(&self) -> &'static str {
        match self {
            Action::RunNow => "backup-run-now",
            Action::Suspend => "backup-suspend",
            Action::Resume => "backup-resume",
            Action::Logs => "backup-logs",
            Action::Snapshot => "config-snapshot",
        }
    }

    fn description(&self) -> &'static str {
        match self {
            Action::RunNow => "run the selected backup now (a Job from its CronJob)",
            Action::Suspend => "suspend the selected CronJob (no run until resumed)",
            Action::Resume => "resume the selected CronJob",
            Action::Logs => "read the last failed run's logs (the Logs pane)",
            Action::Snapshot => {
                "configuration snapshot of the namespace, secrets redacted (kubechat-ops snapshot)"
            }
        }
    }

    /// Exhaustive on purpose: a new action must declare itself.
    fn is_mutating(&self) -> bool {
        match self {
            Action::RunNow | Action::Suspend | Action::Resume => true,
            // reads the cluster and writes local files: allowed in read-only mode too
            Action::Logs | Action::Snapshot => false,
        }
    }

    fn needs(&self) -> &'static [Permission] {
        match self {
            Action::RunNow => &[CREATE_JOBS],
            Action::Suspend | Action::Resume => &[PATCH_CRONJOBS],
            Action::Logs | Action::Snapshot => &[],
        }
    }
}
