//! Keys as data: `assets/keymap.toml` (embedded) with a user file merged over it, key by
//! key. A key resolves to an [`Action`] in the focused context first, then in `global`.

use std::collections::BTreeMap;
use std::path::Path;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::action::Action;
use crate::panes::PaneId;
use crate::text::line_of;

const DEFAULT_KEYMAP: &str = include_str!("../assets/keymap.toml");

/// Where a key is looked up: everywhere, in a pane (from the pane registry), or in a dialog.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeyContext {
    Global,
    Pane(PaneId),
    Dialog,
}

impl KeyContext {
    pub fn all() -> Vec<KeyContext> {
        let mut out = vec![KeyContext::Global];
        out.extend(PaneId::ALL.iter().map(|p| KeyContext::Pane(*p)));
        out.push(KeyContext::Dialog);
        out
    }

    pub fn name(&self) -> &'static str {
        match self {
            KeyContext::Global => "global",
            KeyContext::Pane(p) => p.name(),
            KeyContext::Dialog => "dialog",
        }
    }

    fn from_name(name: &str) -> Option<KeyContext> {
        KeyContext::all().into_iter().find(|c| c.name() == name)
    }

    fn pane(&self) -> Option<PaneId> {
        match self {
            KeyContext::Pane(p) => Some(*p),
            KeyContext::Global | KeyContext::Dialog => None,
        }
    }
}

/// A key as written in the keymap: the code plus ctrl/alt (shift is part of the character).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeySpec {
    pub code: KeyCode,
    pub ctrl: bool,
    pub alt: bool,
}

impl Ord for KeySpec {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        let key = |k: &KeySpec| (format!("{:?}", k.code), k.ctrl, k.alt);
        key(self).cmp(&key(other))
    }
}

impl PartialOrd for KeySpec {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl KeySpec {
    pub fn from_event(ev: &KeyEvent) -> KeySpec {
        let code = match ev.code {
            KeyCode::Tab if ev.modifiers.contains(KeyModifiers::SHIFT) => KeyCode::BackTab,
            other => other,
        };
        KeySpec {
            code,
            ctrl: ev.modifiers.contains(KeyModifiers::CONTROL),
            alt: ev.modifiers.contains(KeyModifiers::ALT),
        }
    }

    /// Parses "q", "P", "ctrl-c", "alt-x", "tab", "pgdn", ….
    pub fn parse(text: &str) -> Result<KeySpec, String> {
        let mut ctrl = false;
        let mut alt = false;
        let mut rest = text;
        loop {
            if let Some(r) = rest.strip_prefix("ctrl-").filter(|r| !r.is_empty()) {
                ctrl = true;
                rest = r;
            } else if let Some(r) = rest.strip_prefix("alt-").filter(|r| !r.is_empty()) {
                alt = true;
                rest = r;
            } else {
                break;
            }
        }
        let mut chars = rest.chars();
        let code = match (chars.next(), chars.next()) {
            (Some(c), None) => KeyCode::Char(c),
            _ => match rest.to_ascii_lowercase().as_str() {
                "tab" => KeyCode::Tab,
                "backtab" | "shift-tab" => KeyCode::BackTab,
                "enter" | "return" => KeyCode::Enter,
                "esc" | "escape" => KeyCode::Esc,
                "up" => KeyCode::Up,
                "down" => KeyCode::Down,
                "left" => KeyCode::Left,
                "right" => KeyCode::Right,
                "home" => KeyCode::Home,
                "end" => KeyCode::End,
                "pgup" | "pageup" => KeyCode::PageUp,
                "pgdn" | "pagedown" => KeyCode::PageDown,
                "backspace" => KeyCode::Backspace,
                "space" => KeyCode::Char(' '),
                _ => return Err(format!("unknown key {text:?}")),
            },
        };
        Ok(KeySpec { code, ctrl, alt })
    }

    /// Plain single characters first, then named keys, then chords.
    fn preference(&self) -> (bool, usize, String) {
        let label = self.label();
        (self.ctrl || self.alt, label.chars().count(), label)
    }

    /// As shown in the help overlay.
    pub fn label(&self) -> String {
        let base = match self.code {
            KeyCode::Char(' ') => "space".to_string(),
            KeyCode::Char(c) => c.to_string(),
            KeyCode::Tab => "Tab".into(),
            KeyCode::BackTab => "S-Tab".into(),
            KeyCode::Enter => "Enter".into(),
            KeyCode::Esc => "Esc".into(),
            KeyCode::Up => "↑".into(),
            KeyCode::Down => "↓".into(),
            KeyCode::Left => "←".into(),
            KeyCode::Right => "→".into(),
            KeyCode::Home => "Home".into(),
            KeyCode::End => "End".into(),
            KeyCode::PageUp => "PgUp".into(),
            KeyCode::PageDown => "PgDn".into(),
            KeyCode::Backspace => "BS".into(),
            other => format!("{other:?}"),
        };
        let mut out = String::new();
        if self.ctrl {
            out.push_str("C-");
        }
        if self.alt {
            out.push_str("M-");
        }
        out.push_str(&base);
        out
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Keymap {
    bindings: BTreeMap<KeyContext, BTreeMap<KeySpec, Action>>,
}

impl Keymap {
    /// The embedded defaults merged with `user_file` if given. A bad user file (or a bad
    /// entry in it) gives a warning naming the file and line; the defaults stay.
    pub fn load(user_file: Option<&Path>) -> (Keymap, Vec<String>) {
        let mut warnings = Vec::new();
        let mut map = Keymap::default();
        if let Err(e) = map.merge_text(DEFAULT_KEYMAP, "assets/keymap.toml", &mut warnings) {
            warnings.push(e);
        }
        if let Some(path) = user_file {
            match std::fs::read_to_string(path) {
                Ok(text) => {
                    let mut user = map.clone();
                    let label = path.display().to_string();
                    match user.merge_text(&text, &label, &mut warnings) {
                        Ok(()) => map = user,
                        Err(e) => warnings.push(format!("{e}; using the default keymap")),
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => warnings.push(format!("{}: cannot read: {e}", path.display())),
            }
        }
        (map, warnings)
    }

    /// Only the embedded defaults.
    pub fn defaults() -> Keymap {
        Keymap::load(None).0
    }

    /// Parses `text` and merges it key by key. A syntax error fails the whole file; a bad
    /// entry is skipped with a warning.
    pub fn merge_text(
        &mut self,
        text: &str,
        file: &str,
        warnings: &mut Vec<String>,
    ) -> Result<(), String> {
        type Raw = BTreeMap<String, BTreeMap<String, toml::Spanned<String>>>;
        let raw: Raw = toml::from_str(text).map_err(|e| {
            let line = e.span().map(|s| line_of(text, s.start)).unwrap_or(1);
            format!("{file}:{line}: {}", e.message().trim())
        })?;
        for (ctx_name, keys) in raw {
            let Some(ctx) = KeyContext::from_name(&ctx_name) else {
                let line = keys
                    .values()
                    .next()
                    .map(|v| line_of(text, v.span().start))
                    .unwrap_or(1);
                let known: Vec<&str> = KeyContext::all().iter().map(|c| c.name()).collect();
                warnings.push(format!(
                    "{file}:{line}: unknown context [{ctx_name}] (expected one of {})",
                    known.join(", ")
                ));
                continue;
            };
            let table = self.bindings.entry(ctx).or_default();
            for (key_text, action) in keys {
                let line = line_of(text, action.span().start);
                let key = match KeySpec::parse(&key_text) {
                    Ok(k) => k,
                    Err(e) => {
                        warnings.push(format!("{file}:{line}: [{ctx_name}] {e}"));
                        continue;
                    }
                };
                let name = action.get_ref().as_str();
                if name == "none" {
                    table.remove(&key);
                    continue;
                }
                let found = Action::from_name(ctx.pane(), name).or_else(|| {
                    (ctx == KeyContext::Global)
                        .then(|| Action::any_pane(name))
                        .flatten()
                });
                match found {
                    Some(a) => {
                        table.insert(key, a);
                    }
                    None => warnings.push(format!(
                        "{file}:{line}: [{ctx_name}] key {key_text:?}: unknown action {name:?}"
                    )),
                }
            }
        }
        Ok(())
    }

    /// The action for a key in `ctx`, falling back to `global` (except in dialogs).
    pub fn resolve(&self, ctx: KeyContext, key: &KeyEvent) -> Option<Action> {
        let spec = KeySpec::from_event(key);
        let local = self.bindings.get(&ctx).and_then(|t| t.get(&spec)).copied();
        if local.is_some() || ctx == KeyContext::Dialog {
            return local;
        }
        self.resolve_global(key)
    }

    /// The action of a key in `global` alone (what a pane's key falls back to when the pane
    /// passes on it).
    pub fn resolve_global(&self, key: &KeyEvent) -> Option<Action> {
        let spec = KeySpec::from_event(key);
        self.bindings
            .get(&KeyContext::Global)
            .and_then(|t| t.get(&spec))
            .copied()
    }

    /// The bindings of one context, grouped by action (for the help overlay), in the order
    /// of `Action::all()`.
    pub fn bindings(&self, ctx: KeyContext) -> Vec<(Action, Vec<KeySpec>)> {
        let Some(table) = self.bindings.get(&ctx) else {
            return Vec::new();
        };
        Action::all()
            .into_iter()
            .filter_map(|a| {
                let mut keys: Vec<KeySpec> = table
                    .iter()
                    .filter(|(_, b)| **b == a)
                    .map(|(k, _)| *k)
                    .collect();
                keys.sort_by_key(KeySpec::preference);
                (!keys.is_empty()).then_some((a, keys))
            })
            .collect()
    }

    /// The first key bound to `action` in `ctx` or global, as a label ("s").
    pub fn key_for(&self, ctx: KeyContext, action: Action) -> Option<String> {
        [ctx, KeyContext::Global].iter().find_map(|c| {
            self.bindings
                .get(c)?
                .iter()
                .filter(|(_, a)| **a == action)
                .map(|(k, _)| *k)
                .min_by_key(KeySpec::preference)
                .map(|k| k.label())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::action::ShellAction;
    use crate::panes::rollouts::Action as Rollouts;
    use crate::panes::{Nav, PaneAction};

    const ROLLOUTS: KeyContext = KeyContext::Pane(PaneId::Rollouts);
    const KPIS: KeyContext = KeyContext::Pane(PaneId::Kpis);
    const TIMELINE: KeyContext = KeyContext::Pane(PaneId::Timeline);

    fn rollouts(a: Rollouts) -> Option<Action> {
        Some(Action::Pane(PaneAction::Rollouts(a)))
    }

    fn key(c: char) -> KeyEvent {
        KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
    }

    #[test]
    fn defaults_parse_without_warnings() {
        let (map, warnings) = Keymap::load(None);
        assert_eq!(warnings, Vec::<String>::new());
        assert_eq!(map.resolve(ROLLOUTS, &key('s')), rollouts(Rollouts::Scale));
        assert_eq!(map.resolve(KPIS, &key('s')), None);
        assert_eq!(
            map.resolve(KPIS, &key('j')),
            Some(Action::Shell(ShellAction::Nav(Nav::Down)))
        );
        let shift_p = KeyEvent::new(KeyCode::Char('P'), KeyModifiers::SHIFT);
        assert_eq!(map.resolve(ROLLOUTS, &shift_p), rollouts(Rollouts::Promote));
        let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(
            map.resolve(TIMELINE, &ctrl_c),
            Some(Action::Shell(ShellAction::Quit))
        );
        // dialogs do not fall through to global keys
        assert_eq!(map.resolve(KeyContext::Dialog, &key('q')), None);
    }

    #[test]
    fn user_entries_override_and_unbind() {
        let mut map = Keymap::defaults();
        let mut warnings = Vec::new();
        map.merge_text(
            "[rollouts]\n\"x\" = \"scale\"\n\"s\" = \"none\"\n",
            "user.toml",
            &mut warnings,
        )
        .unwrap();
        assert!(warnings.is_empty());
        assert_eq!(map.resolve(ROLLOUTS, &key('x')), rollouts(Rollouts::Scale));
        assert_eq!(map.resolve(ROLLOUTS, &key('s')), None);
    }

    #[test]
    fn bad_entries_name_file_and_line() {
        let mut map = Keymap::defaults();
        let mut warnings = Vec::new();
        map.merge_text(
            "[global]\n\"x\" = \"quit\"\n\"y\" = \"fly\"\n\"ctrl-\" = \"quit\"\n",
            "k.toml",
            &mut warnings,
        )
        .unwrap();
        assert_eq!(
            warnings,
            vec![
                "k.toml:4: [global] unknown key \"ctrl-\"".to_string(),
                "k.toml:3: [global] key \"y\": unknown action \"fly\"".to_string(),
            ]
        );
    }

    #[test]
    fn syntax_error_keeps_defaults() {
        let dir = std::env::temp_dir().join(format!("kc-keymap-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("keymap.toml");
        std::fs::write(&path, "[global]\n\"q\" = \"quit\"\n\"j\" = down\n").unwrap();
        let (map, warnings) = Keymap::load(Some(&path));
        assert_eq!(map, Keymap::defaults());
        assert_eq!(warnings.len(), 1);
        assert!(
            warnings[0].starts_with(&format!("{}:3: ", path.display())),
            "{warnings:?}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
