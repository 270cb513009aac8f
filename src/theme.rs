//! Colours named by meaning. The fields are the contract every pane draws with. Built-in
//! themes live in `themes/*.toml` (embedded); a user file in `<config_dir>/themes/NAME.toml`
//! or a path overrides them, role by role over the built-in of the same name (or `dark`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;

use crate::text::line_of;

const BUILT_IN: [(&str, &str); 3] = [
    ("dark", include_str!("../themes/dark.toml")),
    ("light", include_str!("../themes/light.toml")),
    (
        "high-contrast",
        include_str!("../themes/high-contrast.toml"),
    ),
];

#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    pub name: String,
    pub text: Style,
    pub muted: Style,
    pub border: Style,
    pub focus: Style,
    pub title: Style,
    pub selected: Style,
    pub ok: Style,
    pub warn: Style,
    pub crit: Style,
    pub stale: Style,
    pub info: Style,
    pub badge_read_only: Style,
    pub badge_read_write: Style,
    pub badge_demo: Style,
}

impl Default for Theme {
    fn default() -> Self {
        Theme::built_in("dark").unwrap_or_else(Theme::no_color)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStyle {
    fg: Option<String>,
    bg: Option<String>,
    #[serde(default)]
    modifiers: Vec<String>,
}

impl Theme {
    /// Names of the embedded themes.
    pub fn built_in_names() -> impl Iterator<Item = &'static str> {
        BUILT_IN.iter().map(|(n, _)| *n)
    }

    /// An embedded theme by name (`None` for an unknown name).
    pub fn built_in(name: &str) -> Option<Theme> {
        let (_, text) = BUILT_IN.iter().find(|(n, _)| *n == name)?;
        Theme::blank(name)
            .merged(text, &format!("themes/{name}.toml"))
            .ok()
    }

    /// `name_or_path` is a built-in name, a name of a file in `<config_dir>/themes/`, or a
    /// path to a `.toml` file. Any problem gives a warning and the default (dark) theme.
    pub fn load(name_or_path: &str, config_dir: Option<&Path>) -> (Theme, Option<String>) {
        let looks_like_path = name_or_path.contains('/') || name_or_path.ends_with(".toml");
        let user_file: Option<PathBuf> = if looks_like_path {
            Some(PathBuf::from(name_or_path))
        } else {
            config_dir
                .map(|d| d.join("themes").join(format!("{name_or_path}.toml")))
                .filter(|p| p.exists())
        };
        let Some(path) = user_file else {
            return match Theme::built_in(name_or_path) {
                Some(t) => (t, None),
                None => (
                    Theme::default(),
                    Some(format!(
                        "unknown theme {name_or_path:?} (built in: {}); using dark",
                        Theme::built_in_names().collect::<Vec<_>>().join(", ")
                    )),
                ),
            };
        };
        let label = path.display().to_string();
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) => {
                return (
                    Theme::default(),
                    Some(format!("{label}: cannot read: {e}; using the dark theme")),
                )
            }
        };
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
        let base = Theme::built_in(stem).unwrap_or_default();
        match base.merged(&text, &label) {
            Ok(t) => (t, None),
            Err(e) => (Theme::default(), Some(format!("{e}; using the dark theme"))),
        }
    }

    /// Every style without colour, modifiers only (for `NO_COLOR`).
    pub fn no_color() -> Theme {
        let plain = Style::new();
        let bold = Style::new().add_modifier(Modifier::BOLD);
        let reversed = Style::new().add_modifier(Modifier::REVERSED);
        Theme {
            name: "no-color".into(),
            text: plain,
            muted: Style::new().add_modifier(Modifier::DIM),
            border: plain,
            focus: bold,
            title: bold,
            selected: reversed,
            ok: plain,
            warn: bold,
            crit: bold.add_modifier(Modifier::UNDERLINED),
            stale: Style::new().add_modifier(Modifier::DIM | Modifier::ITALIC),
            info: plain,
            badge_read_only: reversed,
            badge_read_write: reversed.add_modifier(Modifier::BOLD),
            badge_demo: reversed,
        }
    }

    fn blank(name: &str) -> Theme {
        Theme {
            name: name.to_string(),
            ..Theme::no_color()
        }
    }

    fn role_mut(&mut self, role: &str) -> Option<&mut Style> {
        Some(match role {
            "text" => &mut self.text,
            "muted" => &mut self.muted,
            "border" => &mut self.border,
            "focus" => &mut self.focus,
            "title" => &mut self.title,
            "selected" => &mut self.selected,
            "ok" => &mut self.ok,
            "warn" => &mut self.warn,
            "crit" => &mut self.crit,
            "stale" => &mut self.stale,
            "info" => &mut self.info,
            "badge_read_only" => &mut self.badge_read_only,
            "badge_read_write" => &mut self.badge_read_write,
            "badge_demo" => &mut self.badge_demo,
            _ => return None,
        })
    }

    /// `self` with the roles in `text` replaced. Errors name the file, line and field.
    fn merged(mut self, text: &str, file: &str) -> Result<Theme, String> {
        let raw: BTreeMap<String, toml::Spanned<toml::Value>> =
            toml::from_str(text).map_err(|e| {
                let line = e.span().map(|s| line_of(text, s.start)).unwrap_or(1);
                format!("{file}:{line}: {}", e.message().trim())
            })?;
        for (key, value) in raw {
            let line = line_of(text, value.span().start);
            let at = |msg: String| format!("{file}:{line}: field `{key}`: {msg}");
            if key == "name" {
                let name = value
                    .get_ref()
                    .as_str()
                    .ok_or_else(|| at("expected a string".into()))?;
                self.name = name.to_string();
                continue;
            }
            let style = parse_style(value.into_inner()).map_err(at)?;
            let slot = self
                .role_mut(&key)
                .ok_or_else(|| at("unknown role (expected text, muted, border, focus, title, selected, ok, warn, crit, stale, info, badge_read_only, badge_read_write, badge_demo)".into()))?;
            *slot = style;
        }
        Ok(self)
    }
}

fn parse_style(value: toml::Value) -> Result<Style, String> {
    let raw: RawStyle = value
        .try_into()
        .map_err(|e: toml::de::Error| e.message().trim().to_string())?;
    let mut style = Style::new();
    if let Some(fg) = raw.fg {
        style = style.fg(parse_color(&fg).map_err(|e| format!("fg: {e}"))?);
    }
    if let Some(bg) = raw.bg {
        style = style.bg(parse_color(&bg).map_err(|e| format!("bg: {e}"))?);
    }
    for m in raw.modifiers {
        let modifier = match m.as_str() {
            "bold" => Modifier::BOLD,
            "dim" => Modifier::DIM,
            "italic" => Modifier::ITALIC,
            "underlined" => Modifier::UNDERLINED,
            "reversed" => Modifier::REVERSED,
            "crossed_out" => Modifier::CROSSED_OUT,
            other => return Err(format!("unknown modifier {other:?}")),
        };
        style = style.add_modifier(modifier);
    }
    Ok(style)
}

fn parse_color(text: &str) -> Result<Color, String> {
    Color::from_str(text).map_err(|_| format!("unknown colour {text:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_ins_load_and_differ() {
        let dark = Theme::built_in("dark").unwrap();
        assert_eq!(dark.ok, Style::new().fg(Color::Green));
        assert_eq!(
            dark.selected,
            Style::new()
                .bg(Color::Rgb(40, 44, 52))
                .add_modifier(Modifier::BOLD)
        );
        let light = Theme::built_in("light").unwrap();
        let hc = Theme::built_in("high-contrast").unwrap();
        assert_eq!(light.name, "light");
        assert_ne!(dark.text, light.text);
        assert_ne!(dark.crit, hc.crit);
        assert_eq!(Theme::load("light", None), (light, None));
    }

    #[test]
    fn unknown_name_warns_and_falls_back() {
        let (t, w) = Theme::load("solarized", None);
        assert_eq!(t.name, "dark");
        assert!(w.unwrap().contains("unknown theme \"solarized\""));
    }

    #[test]
    fn user_file_overrides_roles_and_bad_file_names_line_and_field() {
        let dir = std::env::temp_dir().join(format!("kc-theme-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("themes")).unwrap();
        std::fs::write(dir.join("themes/light.toml"), "ok = { fg = \"#010203\" }\n").unwrap();
        let (t, w) = Theme::load("light", Some(&dir));
        assert_eq!(w, None);
        assert_eq!(t.ok, Style::new().fg(Color::Rgb(1, 2, 3)));
        assert_eq!(t.text, Theme::built_in("light").unwrap().text);

        let bad = dir.join("bad.toml");
        std::fs::write(&bad, "name = \"x\"\n\nwarn = { fg = \"grean\" }\n").unwrap();
        let (t, w) = Theme::load(bad.to_str().unwrap(), None);
        assert_eq!(t, Theme::default());
        assert_eq!(
            w.unwrap(),
            format!(
                "{}:3: field `warn`: fg: unknown colour \"grean\"; using the dark theme",
                bad.display()
            )
        );
        std::fs::write(&bad, "oops = { fg = \"red\" }\n").unwrap();
        let (_, w) = Theme::load(bad.to_str().unwrap(), None);
        assert!(w.unwrap().contains(":1: field `oops`: unknown role"));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn no_color_has_no_colours() {
        let t = Theme::no_color();
        for s in [t.text, t.ok, t.warn, t.crit, t.selected, t.badge_read_only] {
            assert_eq!((s.fg, s.bg), (None, None));
        }
        assert!(t.selected.add_modifier.contains(Modifier::REVERSED));
    }
}
