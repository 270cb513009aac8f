//! The one guard on effects: every effect that leaves `update` passes here. In read-only
//! mode a mutating effect (an exhaustive `Effect::is_mutating`) never leaves; it becomes a
//! refusal on screen and on the timeline. This covers writes no key started (the guided
//! switch's automatic switch-back, an abort, a runbook step), not only actions.

use crate::effect::Effect;

/// Splits `effects` into those that may leave and those refused.
pub fn guard(read_only: bool, effects: Vec<Effect>) -> (Vec<Effect>, Vec<Effect>) {
    if !read_only {
        return (effects, Vec::new());
    }
    effects.into_iter().partition(|e| !e.is_mutating())
}

/// How a refused effect is named on screen.
pub fn refusal(effect: &Effect) -> String {
    match effect {
        Effect::Write(w) => format!("read-only mode: {w} refused"),
        Effect::Log(line) => format!("read-only mode: {line} refused"),
        Effect::StreamLogs(s) => format!("read-only mode: log stream {} refused", s.id),
        Effect::StopLogs(id) => format!("read-only mode: stopping log stream {id} refused"),
        Effect::AppendIncident(a) => {
            format!("read-only mode: writing incident {} refused", a.incident)
        }
        Effect::Clipboard(_) => "read-only mode: copying to the clipboard refused".to_string(),
        Effect::Watch(scope) => format!("read-only mode: watching {} refused", scope.label()),
        Effect::Audit(scope) => format!("read-only mode: auditing {scope} refused"),
        Effect::CheckPermissions => "read-only mode: the RBAC self-check refused".to_string(),
        Effect::Snapshot => "read-only mode: configuration snapshot refused".to_string(),
        Effect::RunStep(_) => "read-only mode: a runbook step that writes refused".to_string(),
        Effect::CancelStep(_) | Effect::SaveRun(_) => {
            "read-only mode: a runbook effect refused".to_string()
        }
        Effect::ShareIncident(a) => {
            format!(
                "read-only mode: sharing incident {} with the cluster refused",
                a.incident
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::effect::ClusterWrite;

    #[test]
    fn read_only_keeps_only_what_does_not_mutate() {
        let write = Effect::Write(ClusterWrite::Abort { name: "x".into() });
        let log = Effect::Log("hello".into());
        let (ok, refused) = guard(true, vec![write.clone(), log.clone()]);
        assert_eq!(ok, vec![log.clone()]);
        assert_eq!(refused, vec![write.clone()]);
        assert_eq!(
            refusal(&refused[0]),
            "read-only mode: abort rollout x refused"
        );
        let (ok, refused) = guard(false, vec![write.clone(), log.clone()]);
        assert_eq!(ok, vec![write, log]);
        assert!(refused.is_empty());
    }
}
