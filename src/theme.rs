//! Colours named by meaning (owner: console; fields are the contract every pane draws with).
//! STUB: loading from themes/*.toml comes from the console helper.

use ratatui::style::{Color, Modifier, Style};

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
        Theme {
            name: "dark".into(),
            text: Style::new().fg(Color::Gray),
            muted: Style::new().fg(Color::DarkGray),
            border: Style::new().fg(Color::DarkGray),
            focus: Style::new().fg(Color::Cyan),
            title: Style::new().fg(Color::White).add_modifier(Modifier::BOLD),
            selected: Style::new()
                .bg(Color::Rgb(40, 44, 52))
                .add_modifier(Modifier::BOLD),
            ok: Style::new().fg(Color::Green),
            warn: Style::new().fg(Color::Yellow),
            crit: Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
            stale: Style::new().fg(Color::Magenta),
            info: Style::new().fg(Color::Blue),
            badge_read_only: Style::new().fg(Color::Black).bg(Color::Yellow),
            badge_read_write: Style::new().fg(Color::Black).bg(Color::Red),
            badge_demo: Style::new().fg(Color::Black).bg(Color::Cyan),
        }
    }
}
