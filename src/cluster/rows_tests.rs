//! View-model tests on the fixture namespace (tests/fixtures/cluster.yaml): whole structs.

use jiff::Timestamp;

use super::*;
use crate::cluster::detail::{canary_detail, detail_for, PauseState, StepMark};
use crate::cluster::load::kube_msgs_from_yaml;
use crate::cluster::views::{CanaryStep, ServiceView, SLOT_LABEL};
use crate::cluster::ClusterData;
use crate::cluster::{Change, KubeMsg};

const REG: &str = "harbor.company.com/kubechat/";

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn data() -> ClusterData {
    let mut d = ClusterData::default();
    let text = include_str!("../../tests/fixtures/cluster.yaml");
    for m in kube_msgs_from_yaml(text, "cluster.yaml").unwrap() {
        d.apply(m);
    }
    d
}

fn rows(d: &ClusterData) -> Vec<RolloutRow> {
    let by_owner = replica_sets_by_owner(d.replica_sets.values());
    derive_rows(
        d.deployments.values(),
        &by_owner,
        d.services.values(),
        d.rollouts.values(),
    )
}

fn row<'a>(rows: &'a [RolloutRow], name: &str) -> &'a RolloutRow {
    rows.iter().find(|r| r.name == name).unwrap()
}

#[test]
fn rows_in_order_with_slots_under_their_pair() {
    let names: Vec<(u8, String)> = rows(&data())
        .iter()
        .map(|r| (r.depth, r.name.clone()))
        .collect();
    let expect = [
        (0, "kubechat-ai-engine"),
        (0, "kubechat-api-gateway"),
        (1, "kubechat-api-gateway-blue"),
        (1, "kubechat-api-gateway-green"),
        (0, "kubechat-auth-service"),
        (0, "kubechat-chat-service"),
        (0, "kubechat-web"),
    ];
    let expect: Vec<(u8, String)> = expect.iter().map(|(d, n)| (*d, n.to_string())).collect();
    assert_eq!(names, expect);
}

#[test]
fn rolling_update_in_progress() {
    let rows = rows(&data());
    assert_eq!(
        row(&rows, "kubechat-auth-service"),
        &RolloutRow {
            name: "kubechat-auth-service".into(),
            target: RowTarget::Deployment("kubechat-auth-service".into()),
            depth: 0,
            strategy: StrategyKind::RollingUpdate,
            phase: Phase::Progressing,
            progress: Progress {
                desired: 3,
                updated: 2,
                ready: 3,
                available: 3
            },
            image_old: Some(format!("{REG}auth-service:v1.8.0")),
            image_new: format!("{REG}auth-service:v1.9.0"),
            since: Some(ts("2026-11-28T15:08:00Z")),
            note: None,
        }
    );
}

#[test]
fn stalled_by_progress_deadline() {
    let rows = rows(&data());
    assert_eq!(
        row(&rows, "kubechat-ai-engine"),
        &RolloutRow {
            name: "kubechat-ai-engine".into(),
            target: RowTarget::Deployment("kubechat-ai-engine".into()),
            depth: 0,
            strategy: StrategyKind::RollingUpdate,
            phase: Phase::Stalled,
            progress: Progress {
                desired: 2,
                updated: 1,
                ready: 2,
                available: 2
            },
            image_old: Some(format!("{REG}ai-engine:v3.1.4")),
            image_new: format!("{REG}ai-engine:v3.2.0"),
            since: Some(ts("2026-11-28T14:55:00Z")),
            note: Some("ProgressDeadlineExceeded".into()),
        }
    );
}

#[test]
fn canary_paused_at_a_step() {
    let d = data();
    let rows = rows(&d);
    assert_eq!(
        row(&rows, "kubechat-chat-service"),
        &RolloutRow {
            name: "kubechat-chat-service".into(),
            target: RowTarget::Rollout("kubechat-chat-service".into()),
            depth: 0,
            strategy: StrategyKind::Canary,
            phase: Phase::Paused,
            progress: Progress {
                desired: 10,
                updated: 1,
                ready: 11,
                available: 11
            },
            image_old: Some(format!("{REG}chat-service:v2.0.3")),
            image_new: format!("{REG}chat-service:v2.1.0"),
            since: Some(ts("2026-11-28T15:03:00Z")),
            note: Some("step 4/10 · 10%".into()),
        }
    );
    let r = d.rollouts.get("kubechat-chat-service").unwrap();
    let c = canary_detail(r, ts("2026-11-28T15:10:00Z")).unwrap();
    assert_eq!(c.set_weight, 10);
    assert_eq!(c.actual_weight, Some(10));
    // paused at 15:07:00 for 5m: 2m left at 15:10:00
    assert_eq!(c.pause, Some(PauseState::Countdown(120)));
    let marks: Vec<StepMark> = c.steps.iter().map(|(_, m)| *m).collect();
    assert_eq!(
        &marks[..5],
        &[
            StepMark::Done,
            StepMark::Done,
            StepMark::Done,
            StepMark::Current,
            StepMark::Pending
        ]
    );
    assert_eq!(c.steps[3].0, CanaryStep::Pause(Some(300)));
}

#[test]
fn canary_waiting_for_promotion_and_complete() {
    let d = data();
    let mut r = d.rollouts.get("kubechat-chat-service").unwrap().clone();
    if let crate::cluster::views::RolloutStrategy::Canary { steps } = &mut r.strategy {
        steps[3] = CanaryStep::Pause(None);
    }
    let c = canary_detail(&r, ts("2026-11-28T15:10:00Z")).unwrap();
    assert_eq!(c.pause, Some(PauseState::WaitingForPromotion));
    r.current_step = Some(10);
    r.phase = Some("Healthy".into());
    r.pause_reasons.clear();
    assert_eq!(canary_position(&r), Some((100, 10, 10)));
    // fully promoted: the canary is the stable version now and has all the traffic, though
    // Argo reports the canary's own weight as 0
    r.stable_hash = r.current_hash.clone();
    r.canary_weight = Some(0);
    let c = canary_detail(&r, ts("2026-11-28T15:10:00Z")).unwrap();
    assert_eq!((c.set_weight, c.actual_weight), (100, Some(100)));
    assert_eq!(argo_phase(&r), Phase::Healthy);
    r.abort = true;
    assert_eq!(argo_phase(&r), Phase::Degraded);
}

fn blue_green_expect(live: &str) -> Vec<RolloutRow> {
    let slot = |s: &str, image: &str, since: &str| RolloutRow {
        name: format!("kubechat-api-gateway-{s}"),
        target: RowTarget::Slot {
            service: "kubechat-api-gateway".into(),
            slot: s.into(),
            deployment: format!("kubechat-api-gateway-{s}"),
            live: s == live,
        },
        depth: 1,
        strategy: StrategyKind::BlueGreen,
        phase: Phase::Healthy,
        progress: Progress {
            desired: 3,
            updated: 3,
            ready: 3,
            available: 3,
        },
        image_old: None,
        image_new: format!("{REG}api-gateway:{image}"),
        since: Some(ts(since)),
        note: Some(format!(
            "{s} · {}",
            if s == live { "serving" } else { "idle" }
        )),
    };
    let blue = slot("blue", "v2.4.0", "2026-11-28T08:00:00Z");
    let green = slot("green", "v2.5.0", "2026-11-28T14:40:00Z");
    let live_row = if live == "blue" { &blue } else { &green };
    vec![
        RolloutRow {
            name: "kubechat-api-gateway".into(),
            target: RowTarget::BlueGreen {
                service: "kubechat-api-gateway".into(),
                live: Some(live.into()),
                slots: vec![
                    ("blue".into(), "kubechat-api-gateway-blue".into()),
                    ("green".into(), "kubechat-api-gateway-green".into()),
                ],
            },
            depth: 0,
            strategy: StrategyKind::BlueGreen,
            phase: Phase::Healthy,
            progress: live_row.progress,
            image_old: None,
            image_new: live_row.image_new.clone(),
            since: live_row.since,
            note: Some(format!("live {live}")),
        },
        blue.clone(),
        green.clone(),
    ]
}

#[test]
fn blue_green_either_way() {
    let mut d = data();
    let bg: Vec<RolloutRow> = rows(&d)[1..4].to_vec();
    assert_eq!(bg, blue_green_expect("blue"));

    // the Service switched by `kubectl patch service` (outside the console)
    let mut svc: ServiceView = d.services.get("kubechat-api-gateway").unwrap().clone();
    for (k, v) in svc.selector.iter_mut() {
        if k == SLOT_LABEL {
            *v = "green".into();
        }
    }
    d.services.apply(Change::Upsert(svc));
    let bg: Vec<RolloutRow> = rows(&d)[1..4].to_vec();
    assert_eq!(bg, blue_green_expect("green"));

    let detail = detail_for(&bg[0], &d, ts("2026-11-28T15:10:00Z"));
    let serving: Vec<(&str, bool)> = detail
        .slots
        .iter()
        .map(|s| (s.slot.as_str(), s.live))
        .collect();
    assert_eq!(serving, vec![("blue", false), ("green", true)]);
}

#[test]
fn detail_lists_crashing_pod_first_and_its_events() {
    let d = data();
    let rows = rows(&d);
    let detail = detail_for(
        row(&rows, "kubechat-ai-engine"),
        &d,
        ts("2026-11-28T15:10:00Z"),
    );
    let revisions: Vec<(Option<i64>, bool)> = detail
        .replica_sets
        .iter()
        .map(|r| (r.revision, r.current))
        .collect();
    assert_eq!(revisions, vec![(Some(3), true), (Some(2), false)]);
    assert_eq!(
        detail.pods[0],
        crate::cluster::detail::PodLine {
            name: "kubechat-ai-engine-9e8d7c6b5-p5y3b".into(),
            ready: "0/1".into(),
            restarts: 7,
            status: "CrashLoopBackOff".into(),
            healthy: false,
        }
    );
    let reasons: Vec<&str> = detail.events.iter().map(|e| e.reason.as_str()).collect();
    assert_eq!(reasons, vec!["BackOff", "ProgressDeadlineExceeded"]);
    assert_eq!(
        detail.conditions[1],
        "Progressing: ReplicaSet \"kubechat-ai-engine-9e8d7c6b5\" has timed out progressing."
    );
}

#[test]
fn new_pods_coming_up_are_progressing_and_lost_availability_is_degraded() {
    let d = data();
    let mut green = d
        .deployments
        .get("kubechat-api-gateway-green")
        .unwrap()
        .clone();
    // a fresh rollout: all updated, none available yet, still within its deadline
    (green.ready, green.available) = (0, 0);
    green.conditions = vec![
        crate::cluster::views::ConditionView {
            type_: "Available".into(),
            status: "False".into(),
            reason: Some("MinimumReplicasUnavailable".into()),
            message: None,
        },
        crate::cluster::views::ConditionView {
            type_: "Progressing".into(),
            status: "True".into(),
            reason: Some("ReplicaSetUpdated".into()),
            message: None,
        },
    ];
    assert_eq!(deployment_phase(&green), Phase::Progressing);
    // the same after the rollout had completed: its pods went away
    green.conditions[1].reason = Some("NewReplicaSetAvailable".into());
    assert_eq!(deployment_phase(&green), Phase::Degraded);

    // the pair shows the idle slot's trouble
    let mut d2 = d.clone();
    d2.deployments.apply(Change::Upsert(green));
    let rows = rows(&d2);
    let pair = row(&rows, "kubechat-api-gateway");
    assert_eq!(pair.phase, Phase::Degraded);
    assert_eq!(
        pair.note.as_deref(),
        Some("live blue; green · idle · MinimumReplicasUnavailable")
    );
}

/// The fixture's objects as an all-namespaces watch delivers them from namespace `ns`.
fn qualified_in(ns: &str) -> Vec<KubeMsg> {
    use crate::cluster::collection::Qualify;
    use crate::cluster::scope::Scope;
    fn q<T: Qualify>(c: Change<T>, ns: &str) -> Change<T> {
        match c {
            Change::Upsert(mut v) => {
                v.qualify(&Scope::All, ns);
                Change::Upsert(v)
            }
            // one watch over every namespace lists once: no per-namespace reset
            _ => Change::Ready,
        }
    }
    let text = include_str!("../../tests/fixtures/cluster.yaml");
    kube_msgs_from_yaml(text, "cluster.yaml")
        .unwrap()
        .into_iter()
        .filter_map(|m| {
            Some(match m {
                KubeMsg::Deployments(c) => KubeMsg::Deployments(q(c, ns)),
                KubeMsg::ReplicaSets(c) => KubeMsg::ReplicaSets(q(c, ns)),
                KubeMsg::Pods(c) => KubeMsg::Pods(q(c, ns)),
                KubeMsg::Services(c) => KubeMsg::Services(q(c, ns)),
                KubeMsg::Events(c) => KubeMsg::Events(q(c, ns)),
                KubeMsg::Rollouts(c) => KubeMsg::Rollouts(q(c, ns)),
                KubeMsg::AnalysisRuns(c) => KubeMsg::AnalysisRuns(q(c, ns)),
                _ => return None,
            })
        })
        .collect()
}

#[test]
fn all_namespaces_keep_same_named_objects_apart() {
    let one = rows(&data());
    let mut d = ClusterData::default();
    let now = ts("2026-11-28T15:00:00Z");
    for ns in ["shop", "staging"] {
        for m in qualified_in(ns) {
            d.update(m, now);
        }
    }
    // every row of the single namespace, once per namespace, qualified
    assert_eq!(d.rows.len(), 2 * one.len());
    for ns in ["shop", "staging"] {
        for r in &one {
            let q = row(&d.rows, &format!("{ns}/{}", r.name));
            assert_eq!(
                (q.strategy, q.phase, q.depth),
                (r.strategy, r.phase, r.depth)
            );
            assert_eq!(q.progress, r.progress, "{ns}/{}", r.name);
        }
    }
    // a blue/green pair groups only its own namespace's slots
    for r in d.rows.iter() {
        if let RowTarget::BlueGreen { service, slots, .. } = &r.target {
            let ns = crate::cluster::scope::namespace_of(service);
            assert!(!slots.is_empty());
            assert!(slots
                .iter()
                .all(|(_, dep)| dep.starts_with(&format!("{ns}/"))));
        }
    }
    // a row's pods are its own namespace's
    let rollout = d.rows.iter().find(|r| r.depth == 0).unwrap();
    let pods = crate::cluster::detail::row_pods(rollout, &d);
    let ns = crate::cluster::scope::namespace_of(&rollout.name);
    assert!(pods.iter().all(|p| p.name.starts_with(&format!("{ns}/"))));
}

#[test]
fn a_change_names_the_row_it_touched() {
    use crate::cluster::Touched;
    let now = ts("2026-11-28T15:10:00Z");
    let mut d = ClusterData::default();
    let text = include_str!("../../tests/fixtures/cluster.yaml");
    for m in kube_msgs_from_yaml(text, "cluster.yaml").unwrap() {
        d.update(m, now);
    }
    let index = |d: &ClusterData, name: &str| d.rows.iter().position(|r| r.name == name);
    let auth = index(&d, "kubechat-auth-service");
    let mut rs = d
        .replica_sets
        .get("kubechat-auth-service-8a9b0c1d2")
        .unwrap()
        .clone();
    rs.image.push('x');
    let (touched, _) = d.update(KubeMsg::ReplicaSets(Change::Upsert(rs.clone())), now);
    assert_eq!(touched, Some(Touched::Row(auth.unwrap())));
    // the same view again (a change to what it does not keep) changes nothing
    let (touched, _) = d.update(KubeMsg::ReplicaSets(Change::Upsert(rs)), now);
    assert_eq!(touched, None);
    let mut pod = d
        .pods
        .get("kubechat-auth-service-8a9b0c1d2-j9u7x")
        .unwrap()
        .clone();
    pod.restarts += 1;
    let (touched, _) = d.update(KubeMsg::Pods(Change::Upsert(pod.clone())), now);
    assert_eq!(touched, Some(Touched::Pod(auth)));
    let (touched, _) = d.update(KubeMsg::Pods(Change::Remove(pod.name.clone())), now);
    assert_eq!(
        touched,
        Some(Touched::Pod(auth)),
        "a removed pod's row is known"
    );
    // a slot's pod shows in its pair's row and its own
    let slot_pod = d
        .pods
        .get("kubechat-api-gateway-blue-7f9c6b5d4-x2k4p")
        .unwrap()
        .clone();
    let mut changed = slot_pod.clone();
    changed.restarts += 1;
    let (touched, _) = d.update(KubeMsg::Pods(Change::Upsert(changed)), now);
    assert_eq!(touched, Some(Touched::Rows));
    // a pod of no row, a Service, a relist
    let mut stray = slot_pod;
    stray.name = "stray".into();
    stray.owner_rs = None;
    let (touched, _) = d.update(KubeMsg::Pods(Change::Upsert(stray)), now);
    assert_eq!(touched, Some(Touched::Pod(None)));
    let mut svc = d.services.values().next().unwrap().clone();
    svc.name = "another".into();
    let (touched, _) = d.update(KubeMsg::Services(Change::Upsert(svc)), now);
    assert_eq!(touched, Some(Touched::Rows));
    let (touched, _) = d.update(KubeMsg::Pods(Change::Reset), now);
    assert_eq!(touched, None, "a relist is taken in when it is whole");
    let (touched, _) = d.update(KubeMsg::Pods(Change::Ready), now);
    assert_eq!(touched, Some(Touched::Rows));
}
