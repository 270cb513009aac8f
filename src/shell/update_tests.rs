//! `update` tests: build a State, feed Msgs, assert fields and the returned Effects.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::*;
use crate::cluster::Change;
use crate::keymap::Keymap;
use crate::panes::PaneId as Pane;
use crate::shell::test_support::{code, key, select, state, ts};
use crate::shell::StateInit;

#[test]
fn focus_moves_by_tab_backtab_and_numbers() {
    let mut s = state(false);
    assert_eq!(s.focus, Pane::Rollouts);
    update(&mut s, code(KeyCode::Tab));
    assert_eq!(s.focus, Pane::Kpis);
    update(&mut s, code(KeyCode::Tab));
    update(&mut s, code(KeyCode::Tab));
    assert_eq!(s.focus, Pane::Rollouts);
    update(&mut s, code(KeyCode::BackTab));
    assert_eq!(s.focus, Pane::Timeline);
    update(&mut s, key('2'));
    assert_eq!(s.focus, Pane::Kpis);
    update(&mut s, key('1'));
    assert_eq!(s.focus, Pane::Rollouts);
}

#[test]
fn zoom_and_back() {
    let mut s = state(false);
    update(&mut s, key('3'));
    update(&mut s, key('z'));
    assert!(s.zoomed);
    assert_eq!(s.focus, Pane::Timeline);
    update(&mut s, key('z'));
    assert!(!s.zoomed);
    update(&mut s, key('z'));
    update(&mut s, code(KeyCode::Esc));
    assert!(!s.zoomed, "Esc also leaves zoom");
}

#[test]
fn help_opens_and_closes() {
    let mut s = state(false);
    update(&mut s, key('?'));
    assert!(matches!(s.overlay, Overlay::Help { scroll: 0 }));
    update(&mut s, key('j'));
    assert!(matches!(s.overlay, Overlay::Help { scroll: 1 }));
    // keys other than the help's own do nothing while it is open
    update(&mut s, key('2'));
    assert_eq!(s.focus, Pane::Rollouts);
    update(&mut s, code(KeyCode::Esc));
    assert!(s.overlay.is_none());
    update(&mut s, key('?'));
    update(&mut s, key('?'));
    assert!(s.overlay.is_none());
}

#[test]
fn palette_filters_and_runs() {
    let mut s = state(false);
    update(&mut s, key(':'));
    for c in "timeline".chars() {
        update(&mut s, key(c));
    }
    assert!(matches!(&s.overlay, Overlay::Palette { query, .. } if query == "timeline"));
    update(&mut s, code(KeyCode::Enter));
    assert!(s.overlay.is_none());
    assert_eq!(s.focus, Pane::Timeline);

    // a mutating action from the palette goes to its confirmation like its key
    update(&mut s, key('1'));
    select(&mut s, "kubechat-web");
    update(&mut s, key(':'));
    for c in "restart".chars() {
        update(&mut s, key(c));
    }
    let effects = update(&mut s, code(KeyCode::Enter));
    assert!(effects.is_empty());
    assert!(
        matches!(&s.overlay, Overlay::Confirm(p) if matches!(p.change, crate::panes::Change::Write(crate::effect::ClusterWrite::Restart { .. })))
    );

    update(&mut s, code(KeyCode::Esc));
    update(&mut s, key(':'));
    update(&mut s, key('q'));
    update(&mut s, key('z'));
    update(&mut s, key('x'));
    update(&mut s, code(KeyCode::Enter));
    assert!(!s.should_quit, "no match runs nothing");
}

#[test]
fn warnings_sources_and_rollout_transitions_reach_the_timeline() {
    let mut s = state(false);
    let warnings: Vec<&str> = s
        .timeline
        .newest_first()
        .filter(|e| e.kind == EntryKind::Warning)
        .map(|e| e.text.as_str())
        .collect();
    assert_eq!(
        warnings,
        vec![
            "Unhealthy pod/kubechat-auth-service-8a9b0c1d2-k2v8y: Readiness probe failed: HTTP probe failed with statuscode: 503",
            "BackOff pod/kubechat-ai-engine-9e8d7c6b5-p5y3b: Back-off restarting failed container main in pod kubechat-ai-engine-9e8d7c6b5-p5y3b",
            "ProgressDeadlineExceeded deployment/kubechat-ai-engine: ReplicaSet \"kubechat-ai-engine-9e8d7c6b5\" has timed out progressing.",
        ]
    );
    // the same event again (a relist) is not a new entry; a higher count is
    let ev = s
        .cluster
        .events
        .get("kubechat-ai-engine.2")
        .unwrap()
        .clone();
    let n = s.timeline.len();
    update(
        &mut s,
        Msg::Kube(KubeMsg::Events(Change::Upsert(ev.clone()))),
    );
    assert_eq!(s.timeline.len(), n);
    let mut again = ev;
    again.count += 1;
    update(&mut s, Msg::Kube(KubeMsg::Events(Change::Upsert(again))));
    assert_eq!(s.timeline.len(), n + 1);

    // source lost and recovered
    let at = ts("2026-11-28T15:10:05Z");
    update(
        &mut s,
        Msg::Kube(KubeMsg::SourceError {
            kind: "pods",
            error: Some("connection refused".into()),
            at,
        }),
    );
    assert_eq!(s.kube.health, crate::shell::sources::Health::Disconnected);
    assert_eq!(
        s.timeline.last().unwrap().text,
        "kubernetes disconnected: pods: connection refused"
    );
    update(
        &mut s,
        Msg::Kube(KubeMsg::SourceError {
            kind: "pods",
            error: None,
            at,
        }),
    );
    assert_eq!(s.timeline.last().unwrap().text, "kubernetes reconnected");

    // a rollout finishing: auth-service's status catches up
    let mut d = s
        .cluster
        .deployments
        .get("kubechat-auth-service")
        .unwrap()
        .clone();
    (d.replicas, d.updated, d.ready, d.available) = (3, 3, 3, 3);
    update(&mut s, Msg::Kube(KubeMsg::Deployments(Change::Upsert(d))));
    assert_eq!(
        s.timeline.last().unwrap().text,
        "rollout finished: kubechat-auth-service (rolling)"
    );
    // and starting again
    let mut d = s.cluster.deployments.get("kubechat-web").unwrap().clone();
    d.generation += 1;
    update(&mut s, Msg::Kube(KubeMsg::Deployments(Change::Upsert(d))));
    assert_eq!(
        s.timeline.last().unwrap().text,
        "rollout started: kubechat-web (recreate)"
    );
}

#[test]
fn prometheus_status_and_ages() {
    let mut s = state(false);
    assert_eq!(s.prom.health, crate::shell::sources::Health::Unknown);
    update(
        &mut s,
        Msg::Kpi(crate::kpi::KpiMsg::Alerts {
            alerts: vec![],
            at: ts("2026-11-28T15:10:00Z"),
        }),
    );
    update(&mut s, Msg::Tick(ts("2026-11-28T15:10:04Z")));
    assert_eq!(s.prom.age_secs(s.now.unwrap()), Some(4));
    update(
        &mut s,
        Msg::Kpi(crate::kpi::KpiMsg::AlertsFailed {
            error: "timeout".into(),
            at: ts("2026-11-28T15:10:05Z"),
        }),
    );
    assert_eq!(
        s.timeline.last().unwrap().text,
        "prometheus disconnected: timeout"
    );
}

#[test]
fn quit_and_cursor_bounds() {
    let mut s = state(false);
    update(&mut s, key('G'));
    assert_eq!(s.panes.rollouts.cursor, s.cluster.rows.len() - 1);
    update(&mut s, key('j'));
    assert_eq!(s.panes.rollouts.cursor, s.cluster.rows.len() - 1);
    update(&mut s, key('g'));
    assert_eq!(s.panes.rollouts.cursor, 0);
    update(&mut s, key('k'));
    assert_eq!(s.panes.rollouts.cursor, 0);
    assert!(!s.should_quit);
    update(
        &mut s,
        Msg::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)),
    );
    assert!(s.should_quit);
}

fn rows_from_scratch(s: &State) -> Vec<crate::cluster::rows::RolloutRow> {
    use crate::cluster::rows::{derive_rows, replica_sets_by_owner};
    let d = &s.cluster;
    derive_rows(
        d.deployments.values(),
        &replica_sets_by_owner(d.replica_sets.values()),
        d.services.values(),
        d.rollouts.values(),
    )
}

#[test]
fn single_row_updates_match_a_full_derivation() {
    let mut s = state(false);
    assert_eq!(s.cluster.rows, rows_from_scratch(&s));
    // a ReplicaSet of a plain Deployment scales: only that row is re-derived
    let mut rs = s
        .cluster
        .replica_sets
        .get("kubechat-auth-service-6b7c8d9e0")
        .unwrap()
        .clone();
    rs.replicas = 0;
    update(&mut s, Msg::Kube(KubeMsg::ReplicaSets(Change::Upsert(rs))));
    assert_eq!(s.cluster.rows, rows_from_scratch(&s));
    assert_eq!(
        s.cluster.rows[4].image_old, None,
        "old image gone once its pods are"
    );
    // the canary moves a step
    let mut r = s
        .cluster
        .rollouts
        .get("kubechat-chat-service")
        .unwrap()
        .clone();
    r.current_step = Some(4);
    r.phase = Some("Progressing".into());
    update(&mut s, Msg::Kube(KubeMsg::Rollouts(Change::Upsert(r))));
    assert_eq!(s.cluster.rows, rows_from_scratch(&s));
    // a removed ReplicaSet and Deployment
    update(
        &mut s,
        Msg::Kube(KubeMsg::ReplicaSets(Change::Remove(
            "kubechat-ai-engine-4d5e6f7a8".into(),
        ))),
    );
    assert_eq!(s.cluster.rows, rows_from_scratch(&s));
    update(
        &mut s,
        Msg::Kube(KubeMsg::Deployments(Change::Remove("kubechat-web".into()))),
    );
    assert_eq!(s.cluster.rows, rows_from_scratch(&s));
    assert_eq!(s.cluster.rows.len(), 6);
    assert_eq!(s.cluster.row_index.len(), 6);
}

#[test]
fn start_up_warnings_show_then_go_to_the_timeline() {
    let mut s = State::new(StateInit {
        context: "c".into(),
        scope: crate::cluster::scope::Scope::Namespace("n".into()),
        read_only: false,
        demo: None,
        keymap: Keymap::defaults(),
        prometheus: None,
        warnings: vec![
            "themes/x.toml:3: field `warn`: fg: unknown colour".into(),
            "keymap.toml:2: unknown action".into(),
        ],
    });
    assert_eq!(
        s.toast.as_ref().unwrap().text,
        "themes/x.toml:3: field `warn`: fg: unknown colour (+1 more on the timeline)"
    );
    update(&mut s, Msg::Tick(ts("2026-11-28T15:00:00Z")));
    let texts: Vec<&str> = s.timeline.newest_first().map(|e| e.text.as_str()).collect();
    assert_eq!(
        texts,
        vec![
            "keymap.toml:2: unknown action",
            "themes/x.toml:3: field `warn`: fg: unknown colour"
        ]
    );
    // the toast goes after a while, on the clock
    update(&mut s, Msg::Tick(ts("2026-11-28T15:00:07Z")));
    assert!(s.toast.is_some());
    update(&mut s, Msg::Tick(ts("2026-11-28T15:00:08Z")));
    assert!(s.toast.is_none());
    assert_eq!(s.prom.health, crate::shell::sources::Health::Off);
}

#[test]
fn kpi_alert_crossings_reach_the_timeline() {
    use crate::kpi::{KpiState, KpiTransition};
    let mut s = state(false);
    let n = s.timeline.len();
    let t = |from, to, value: &str, at: &str| KpiTransition {
        id: "error-rate".into(),
        title: "Error rate".into(),
        from,
        to,
        value: value.into(),
        at: ts(at),
    };
    note_kpis(
        &mut s,
        vec![
            t(
                KpiState::Ok,
                KpiState::Warn,
                "0.7 %",
                "2026-11-28T15:10:01Z",
            ),
            t(
                KpiState::Warn,
                KpiState::Alert,
                "2.3 %",
                "2026-11-28T15:10:02Z",
            ),
            t(
                KpiState::Alert,
                KpiState::Ok,
                "0.2 %",
                "2026-11-28T15:10:03Z",
            ),
        ],
    );
    let texts: Vec<(&str, bool)> = s
        .timeline
        .newest_first()
        .take(s.timeline.len() - n)
        .map(|e| (e.text.as_str(), e.bad))
        .collect();
    assert_eq!(
        texts,
        vec![
            ("Error rate recovered (Ok): 0.2 %", false),
            ("Error rate in alert: 2.3 %", true),
        ]
    );
}

#[test]
fn prometheus_health_from_the_poller_messages() {
    use crate::kpi::KpiMsg;
    use crate::shell::sources::Health;
    let mut s = state(false);
    let at = ts("2026-11-28T15:10:00Z");
    update(
        &mut s,
        Msg::Kpi(KpiMsg::Sample {
            id: "error_rate".into(),
            value: None,
            at,
        }),
    );
    assert_eq!(s.prom.health, Health::Connected);
    // one KPI's bad query is not the source's failure
    update(
        &mut s,
        Msg::Kpi(KpiMsg::Failed {
            id: "error_rate".into(),
            error: "bad_data: parse error".into(),
            at,
        }),
    );
    assert_eq!(s.prom.health, Health::Connected);
    update(
        &mut s,
        Msg::Kpi(KpiMsg::AlertsFailed {
            error: "connection refused".into(),
            at,
        }),
    );
    assert_eq!(s.prom.health, Health::Disconnected);
    assert_eq!(
        s.timeline.last().unwrap().text,
        "prometheus disconnected: connection refused"
    );
    update(&mut s, Msg::Kpi(KpiMsg::Alerts { alerts: vec![], at }));
    assert_eq!(s.prom.health, Health::Connected);
    assert_eq!(s.timeline.last().unwrap().text, "prometheus reconnected");
}

#[test]
fn prometheus_alerts_firing_and_resolved_reach_the_timeline() {
    use crate::kpi::{FiringAlert, KpiMsg};
    let mut s = state(false);
    let alert = FiringAlert {
        name: "KubeChatHighErrorRate".into(),
        state: crate::kpi::AlertState::Firing,
        severity: Some("warning".into()),
        summary: Some("5xx above 1%".into()),
        active_at: None,
        labels: Default::default(),
    };
    let at = ts("2026-11-28T15:10:00Z");
    let pending = FiringAlert {
        state: crate::kpi::AlertState::Pending,
        ..alert.clone()
    };
    update(
        &mut s,
        Msg::Kpi(KpiMsg::Alerts {
            alerts: vec![pending],
            at,
        }),
    );
    assert!(
        !s.timeline
            .newest_first()
            .any(|e| e.text.contains("KubeChatHighErrorRate")),
        "pending is not news"
    );
    update(
        &mut s,
        Msg::Kpi(KpiMsg::Alerts {
            alerts: vec![alert.clone()],
            at,
        }),
    );
    update(
        &mut s,
        Msg::Kpi(KpiMsg::Alerts {
            alerts: vec![alert],
            at,
        }),
    );
    update(&mut s, Msg::Kpi(KpiMsg::Alerts { alerts: vec![], at }));
    let texts: Vec<&str> = s
        .timeline
        .newest_first()
        .map(|e| e.text.as_str())
        .filter(|t| t.contains("KubeChatHighErrorRate"))
        .collect();
    assert_eq!(
        texts,
        [
            "alert KubeChatHighErrorRate resolved",
            "alert KubeChatHighErrorRate firing: 5xx above 1% · runbook KubeChatHighErrorRate",
        ]
    );
}

/// A source that keeps dropping soon after it comes back (a watch failing every second)
/// gets one timeline entry whose count goes up, not a pair of entries a second.
#[test]
fn a_flapping_source_is_one_entry_with_a_count() {
    let mut s = state(false);
    let n = s.timeline.len();
    for i in 0..5 {
        update(
            &mut s,
            Msg::Tick(ts("2026-11-28T15:10:00Z") + jiff::SignedDuration::from_secs(2 * i)),
        );
        let err = KubeMsg::SourceError {
            kind: "deployments",
            error: Some("decode failed".into()),
            at: ts("2026-11-28T15:10:00Z"),
        };
        update(&mut s, Msg::Kube(err));
        let ok = KubeMsg::SourceError {
            kind: "deployments",
            error: None,
            at: ts("2026-11-28T15:10:01Z"),
        };
        update(&mut s, Msg::Kube(ok));
    }
    let texts: Vec<&str> = s
        .timeline
        .newest_first()
        .take(s.timeline.len() - n)
        .map(|e| e.text.as_str())
        .collect();
    assert_eq!(
        texts,
        vec![
            "kubernetes reconnected",
            "kubernetes disconnected: deployments: decode failed (lost 5× within a minute of coming back)"
        ]
    );
    // a minute of calm later, a loss is news again
    update(&mut s, Msg::Tick(ts("2026-11-28T15:12:00Z")));
    let err = KubeMsg::SourceError {
        kind: "deployments",
        error: Some("connection refused".into()),
        at: ts("2026-11-28T15:12:00Z"),
    };
    update(&mut s, Msg::Kube(err));
    assert_eq!(
        s.timeline.last().unwrap().text,
        "kubernetes disconnected: deployments: connection refused"
    );
}

/// One object the console cannot read is named once on the timeline; its kind's other
/// objects still show, and the mark goes when it is readable again.
#[test]
fn an_unreadable_object_is_named_once_and_blanks_nothing() {
    let mut s = state(false);
    let rows = s.cluster.rows.len();
    let bad = || KubeMsg::Unreadable {
        kind: "deployments",
        name: "three-replicas".into(),
        error: Some("spec.replicas: invalid type: string \"three\", expected i32".into()),
    };
    let n = s.timeline.len();
    update(&mut s, Msg::Kube(bad()));
    update(&mut s, Msg::Kube(bad()));
    assert_eq!(s.timeline.len(), n + 1);
    assert_eq!(
        s.timeline.last().unwrap().text,
        "cannot read deployments/three-replicas: spec.replicas: invalid type: string \"three\", expected i32 (the rest of deployments shows)"
    );
    assert_eq!(s.cluster.rows.len(), rows);
    assert_eq!(s.cluster.unreadable.len(), 1);
    update(
        &mut s,
        Msg::Kube(KubeMsg::Unreadable {
            kind: "deployments",
            name: "three-replicas".into(),
            error: None,
        }),
    );
    assert!(s.cluster.unreadable.is_empty());
}

#[test]
fn only_watch_changes_on_screen_ask_for_a_frame() {
    let mut s = state(false);
    // a terminal one line high: the list's window reaches one row from the cursor
    update(&mut s, Msg::Resize(120, 1));
    select(&mut s, "kubechat-ai-engine");
    let far = s
        .cluster
        .rows
        .iter()
        .position(|r| r.name == "kubechat-auth-service")
        .unwrap();
    assert!(
        far.abs_diff(s.panes.rollouts.cursor) > 1,
        "the test needs a row out of the window"
    );
    let mut rs = s
        .cluster
        .replica_sets
        .get("kubechat-auth-service-8a9b0c1d2")
        .unwrap()
        .clone();
    let mut pod = s
        .cluster
        .pods
        .get("kubechat-auth-service-8a9b0c1d2-j9u7x")
        .unwrap()
        .clone();
    let pod_restarts_before = pod.restarts;
    let mut change_both = |s: &mut State| {
        rs.image.push('x');
        update(
            s,
            Msg::Kube(KubeMsg::ReplicaSets(Change::Upsert(rs.clone()))),
        );
        let rs_drew = std::mem::take(&mut s.dirty);
        pod.restarts += 1;
        update(s, Msg::Kube(KubeMsg::Pods(Change::Upsert(pod.clone()))));
        let pod_drew = std::mem::take(&mut s.dirty);
        (rs_drew, pod_drew)
    };
    s.dirty = false;
    assert_eq!(
        change_both(&mut s),
        (false, false),
        "a row out of the window and its pods ask for no frame"
    );
    assert_eq!(
        s.cluster.rows,
        rows_from_scratch(&s),
        "the row is current all the same"
    );
    let restarts = |s: &State| {
        s.cluster
            .pods
            .get("kubechat-auth-service-8a9b0c1d2-j9u7x")
            .map(|p| p.restarts)
    };
    assert_eq!(restarts(&s), Some(1 + pod_restarts_before));

    // the same row under the cursor: its list line and its detail's pods are on screen
    select(&mut s, "kubechat-auth-service");
    s.dirty = false;
    assert_eq!(change_both(&mut s), (true, true));

    // a row next to the cursor is in the window, its pods are not in the detail
    s.panes.rollouts.select(&s.cluster, far - 1);
    s.dirty = false;
    assert_eq!(change_both(&mut s), (true, false));

    // with another pane zoomed nothing of it asks for a frame; a Service, which can
    // regroup rows, does wherever the Rollouts pane shows
    (s.focus, s.zoomed) = (Pane::Backups, true);
    s.dirty = false;
    assert_eq!(change_both(&mut s), (false, false));
    (s.focus, s.zoomed) = (Pane::Rollouts, false);
    s.dirty = false;
    let svc = s.cluster.services.values().next().unwrap().clone();
    let mut svc2 = svc.clone();
    svc2.name = "another".into();
    update(&mut s, Msg::Kube(KubeMsg::Services(Change::Upsert(svc2))));
    assert!(s.dirty);
}
