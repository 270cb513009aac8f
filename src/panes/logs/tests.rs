//! The Logs pane driven through `shell::update` as the loop drives it.

use crossterm::event::KeyCode;

use super::*;
use crate::effect::LogPods;
use crate::msg::{LogMsg, Msg};
use crate::panes::PaneId;
use crate::shell::overlay::Overlay;
use crate::shell::test_support::{code, key, select, state};
use crate::shell::{update, State};

fn streams(effects: &[Effect]) -> Vec<&LogStream> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::StreamLogs(s) => Some(s),
            _ => None,
        })
        .collect()
}

fn lines(s: &mut State, id: u64, pod: &str, text: &[&str]) {
    update(
        s,
        Msg::Log(LogMsg::Lines {
            id,
            pod: pod.into(),
            lines: text.iter().map(|t| t.to_string()).collect(),
        }),
    );
}

fn texts(s: &State) -> Vec<String> {
    let b = &s.panes.logs.buffer;
    (0..b.len())
        .map(|i| b.get(i).unwrap().text.clone())
        .collect()
}

/// `l` on a rollout opens its pods' logs in the Logs pane, following the last 500 lines.
fn opened(read_only: bool) -> (State, LogStream) {
    let mut s = state(read_only);
    select(&mut s, "kubechat-chat-service");
    let effects = update(&mut s, key('l'));
    assert_eq!(s.focus, PaneId::Logs);
    assert!(s.screen.shows(PaneId::Logs));
    let found = streams(&effects);
    assert_eq!(found.len(), s.panes.logs.pods.len(), "{effects:?}");
    (s, found[0].clone())
}

#[test]
fn l_on_a_rollout_streams_its_pods_logs_in_both_modes() {
    for read_only in [false, true] {
        let (s, stream) = opened(read_only);
        let pods = &s.panes.logs.pods;
        assert_eq!(pods.len(), 2);
        assert!(
            pods.iter().all(|p| p.starts_with("kubechat-chat-service")),
            "{pods:?}"
        );
        assert_eq!(stream.pods, LogPods::Named(vec![pods[0].clone()]));
        assert!(stream.follow && !stream.previous);
        assert_eq!(stream.tail, Some(500));
        assert_eq!(
            s.panes.logs.target.as_ref().unwrap().title,
            "rollout kubechat-chat-service"
        );
    }
}

#[test]
fn lines_arrive_old_streams_are_ignored_and_restarts_are_marked() {
    let (mut s, stream) = opened(false);
    lines(&mut s, stream.id, "pod-a", &["one", "two"]);
    lines(&mut s, stream.id + 7, "pod-a", &["from an old stream"]);
    update(
        &mut s,
        Msg::Log(LogMsg::Reopened {
            id: stream.id,
            pod: "pod-a".into(),
        }),
    );
    lines(&mut s, stream.id, "pod-a", &["three"]);
    let t = texts(&s);
    assert_eq!(t[..2], ["one".to_string(), "two".to_string()]);
    assert!(t[2].contains("stream reopened"), "{t:?}");
    assert_eq!(t[3], "three");
    assert_eq!(s.panes.logs.streams["pod-a"], PodStream::Reading);
    // a failure is said in the view and on the timeline
    update(
        &mut s,
        Msg::Log(LogMsg::Ended {
            id: stream.id,
            pod: "pod-a".into(),
            error: Some("pods \"pod-a\" not found".into()),
        }),
    );
    assert!(s.timeline.last().unwrap().text.contains("logs of pod-a"));
}

#[test]
fn previous_restarts_the_stream_without_following() {
    let (mut s, stream) = opened(false);
    let effects = update(&mut s, key('p'));
    assert!(
        effects.contains(&Effect::StopLogs(stream.id)),
        "{effects:?}"
    );
    let again = streams(&effects);
    assert_eq!(again.len(), s.panes.logs.pods.len());
    assert!(again
        .iter()
        .all(|st| st.previous && !st.follow && st.id > stream.id));
    // and the tail steps 500 → 5000 → all
    let t = streams(&update(&mut s, key('t')))[0].tail;
    assert_eq!(t, Some(5000));
    let t = streams(&update(&mut s, key('t')))[0].tail;
    assert_eq!(t, None);
}

#[test]
fn search_highlights_and_jumps_to_the_newest_match_above() {
    let (mut s, stream) = opened(false);
    let many: Vec<String> = (0..50).map(|i| format!("line {i}")).collect();
    let refs: Vec<&str> = many.iter().map(String::as_str).collect();
    lines(&mut s, stream.id, "p", &["ERROR: out of memory"]);
    lines(&mut s, stream.id, "p", &refs);
    update(&mut s, key('/'));
    assert!(matches!(s.overlay, Overlay::Input { .. }));
    for c in "error".chars() {
        update(&mut s, key(c));
    }
    update(&mut s, code(KeyCode::Enter));
    assert!(s.overlay.is_none());
    assert_eq!(s.panes.logs.search.as_deref(), Some("error"));
    // the match is the first line of 51: 50 lines up from the newest
    assert_eq!(s.panes.logs.scroll, 50);
    update(&mut s, key('n'));
    assert!(s.toast.as_ref().unwrap().text.contains("no more matches"));
}

#[test]
fn a_selector_opens_the_pods_it_matches() {
    let mut s = state(false);
    update(&mut s, key('4'));
    assert_eq!(s.focus, PaneId::Logs);
    update(&mut s, key('s'));
    for c in "app=postgresql".chars() {
        update(&mut s, key(c));
    }
    let effects = update(&mut s, code(KeyCode::Enter));
    let found = streams(&effects);
    assert_eq!(found[0].pods, LogPods::Selector("app=postgresql".into()));
    let id = found[0].id;
    update(
        &mut s,
        Msg::Log(LogMsg::Pods {
            id,
            pods: vec!["postgres-0".into(), "postgres-1".into()],
        }),
    );
    // o narrows to one pod, then the next, then all again
    let one = streams(&update(&mut s, key('o')))[0].clone();
    assert_eq!(one.pods, LogPods::Named(vec!["postgres-0".into()]));
    let two = streams(&update(&mut s, key('o')))[0].clone();
    assert_eq!(two.pods, LogPods::Named(vec!["postgres-1".into()]));
    let all = streams(&update(&mut s, key('o')))[0].clone();
    assert_eq!(all.pods, LogPods::Selector("app=postgresql".into()));
}

/// A rollout's logs follow its pods: a pod that appears (the workload replaced one) is read
/// from its first line.
#[test]
fn a_new_pod_of_the_rollout_is_read_from_its_start() {
    let (mut s, _) = opened(false);
    let mut pod = s
        .cluster
        .pods
        .values()
        .find(|p| p.name.starts_with("kubechat-chat-service"))
        .cloned()
        .unwrap();
    pod.name = format!("{}-new", pod.name);
    let effects = update(
        &mut s,
        Msg::Kube(crate::cluster::KubeMsg::Pods(
            crate::cluster::Change::Upsert(pod.clone()),
        )),
    );
    let found = streams(&effects);
    assert_eq!(found.len(), 1, "{effects:?}");
    assert_eq!(found[0].pods, LogPods::Named(vec![pod.name.clone()]));
    assert_eq!(found[0].tail, None);
    assert!(s.panes.logs.pods.contains(&pod.name));
    // nothing more when the cluster changes again without a new pod
    let again = update(
        &mut s,
        Msg::Kube(crate::cluster::KubeMsg::Pods(
            crate::cluster::Change::Upsert(pod),
        )),
    );
    assert!(streams(&again).is_empty());
}
