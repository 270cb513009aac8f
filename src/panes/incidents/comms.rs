//! Communications: the procedures' Incident Declaration (the first) or Status Update
//! (every later one), filled from live facts, opened in the editor; Ctrl-S sends it: the
//! text goes into the journal (`UpdateSent`, which restarts the update clock) and the
//! sending onto the timeline.

use super::asks::Asking;
use super::Model;
use crate::effect::Effect;
use crate::feed::EntryKind;
use crate::incident::suggest::{affected_services, user_impact};
use crate::incident::template::{fill, Facts, Template};
use crate::incident::What;
use crate::panes::cx::DialogRequest;
use crate::panes::Cx;

/// Opens the next communication of the selected incident, filled.
pub fn open(model: &mut Model, cx: &mut Cx) -> Vec<Effect> {
    let Some(t) = model.selected() else {
        cx.toast(false, "no incident: D declares one");
        return Vec::new();
    };
    let incident = &t.incident;
    let template = Template::next_for(incident);
    let facts = Facts::gather(
        incident,
        &model.severities,
        affected_services(cx.cluster),
        user_impact(cx.kpis),
        cx.now,
    );
    let text = fill(template.text(), &facts);
    let id = incident.id.clone();
    cx.dialog(DialogRequest::Editor {
        title: format!(" {id}: {} (edit, then Ctrl-S sends) ", template.name()),
        text,
        hint: "edit  Enter new line  Ctrl-S send (and copy)  Ctrl-Y copy  Esc cancel".into(),
    });
    model.asking = Some(Asking::Communicate { id, template });
    Vec::new()
}

/// Ctrl-S: the text as it was edited is sent.
pub fn sent(
    model: &mut Model,
    cx: &mut Cx,
    id: &str,
    template: Template,
    text: &str,
) -> Vec<Effect> {
    let name = template.name();
    cx.note(
        EntryKind::Incident,
        false,
        format!("incident {id}: {name} sent"),
    );
    cx.toast(
        false,
        format!("{id}: {name} sent; the next update is due in the cadence"),
    );
    let what = What::UpdateSent {
        template: name.to_string(),
        text: text.to_string(),
    };
    model.record(id, vec![(cx.now, what)]).into_iter().collect()
}
