//! Shared helpers for the state tests: the fixture namespace fed through `update`, keys.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use jiff::Timestamp;

use super::{update, State, StateInit};
use crate::cluster::load::kube_msgs_from_yaml;
use crate::cluster::scope::Scope;
use crate::effect::{ClusterWrite, Effect};
use crate::keymap::Keymap;
use crate::msg::Msg;

pub fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

pub fn state(read_only: bool) -> State {
    let mut s = State::new(StateInit {
        context: "kind-kubechat".into(),
        scope: Scope::Namespace("kubechat-system".into()),
        read_only,
        demo: None,
        keymap: Keymap::defaults(),
        prometheus: Some("http://127.0.0.1:9090".into()),
        warnings: vec![],
    });
    update(&mut s, Msg::Tick(ts("2026-11-28T15:10:00Z")));
    let text = include_str!("../../tests/fixtures/cluster.yaml");
    for m in kube_msgs_from_yaml(text, "cluster.yaml").unwrap() {
        update(&mut s, Msg::Kube(m));
    }
    s
}

pub fn key(c: char) -> Msg {
    let mods = if c.is_ascii_uppercase() {
        KeyModifiers::SHIFT
    } else {
        KeyModifiers::NONE
    };
    Msg::Key(KeyEvent::new(KeyCode::Char(c), mods))
}

pub fn code(c: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(c, KeyModifiers::NONE))
}

pub fn select(s: &mut State, name: &str) {
    let i = s.cluster.rows.iter().position(|r| r.name == name).unwrap();
    s.panes.rollouts.select(&s.cluster, i);
}

pub fn writes(effects: &[Effect]) -> Vec<&ClusterWrite> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Write(w) => Some(w),
            _ => None,
        })
        .collect()
}
