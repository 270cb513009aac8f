//! The Timeline pane: the shared feed of what happened (`crate::feed`), newest first. Its
//! model is where the user scrolled to.

mod view;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use super::{Cx, Input, PaneEvent, View};
use crate::effect::Effect;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Model {
    /// Entries scrolled past at the top (newest first).
    pub scroll: usize,
}

/// No actions of its own yet (moving and zooming are the shell's).
pub type Action = super::cx::NoActions;

pub fn update(model: &mut Model, cx: &mut Cx, input: Input<Action>) -> Vec<Effect> {
    if let Input::Event(PaneEvent::Nav(nav)) = input {
        model.scroll = nav.apply(model.scroll, cx.timeline.len());
        cx.changed();
    }
    Vec::new()
}

pub fn render(model: &Model, view: &View, area: Rect, buf: &mut Buffer) {
    view::render(model, view, area, buf);
}
