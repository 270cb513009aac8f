//! Team mode against the simulated cluster: incidents shared as ConfigMaps by
//! `KubeWriter::share_incident` (resourceVersion preconditions, retried on conflict), read
//! back and watched by `io::incident_cluster` as every console does.

use std::time::Duration;

use jiff::Timestamp;
use kubechat_ops::effect::IncidentAppend;
use kubechat_ops::incident::{Entry, EntryIds, Incident, Status, What};
use kubechat_ops::io::incident_cluster::{read_all, spawn_watch};
use kubechat_ops::io::kube_writer::KubeWriter;
use kubechat_ops::msg::{IncidentMsg, JournalSource, Msg};
use kubechat_sim::{SimHandle, SimOptions};

const NS: &str = "kubechat-system";
const ID: &str = "inc-20261128-151000";

fn declared(ids: &mut EntryIds) -> Entry {
    ids.entry(
        Timestamp::now(),
        What::Declared {
            incident: ID.into(),
            title: "chat down".into(),
            severity: 1,
        },
    )
}

fn share(entries: Vec<Entry>) -> IncidentAppend {
    IncidentAppend {
        incident: ID.into(),
        entries,
        create: false,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shared_entries_land_once_in_the_incidents_configmap() {
    let sim = SimHandle::start(SimOptions::default()).await.unwrap();
    let writer = KubeWriter::new(sim.client(), NS);
    let mut ids = EntryIds::new("console-a");
    let first = declared(&mut ids);
    assert_eq!(
        writer.share_incident(&share(vec![first.clone()])).await,
        Ok(1)
    );
    let status = ids.entry(
        Timestamp::now(),
        What::Status {
            status: Status::Mitigating,
        },
    );
    // a console sends every entry by people each time: those there already are skipped
    let both = vec![first.clone(), status.clone()];
    assert_eq!(writer.share_incident(&share(both.clone())).await, Ok(1));
    assert_eq!(writer.share_incident(&share(both.clone())).await, Ok(1));
    let all = read_all(sim.client(), NS).await.unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].0, ID);
    assert_eq!(all[0].1.entries, both);
    assert!(all[0].1.warnings.is_empty());
    let writes = sim.client_writes();
    assert_eq!(
        writes,
        vec![
            format!("POST /api/v1/namespaces/{NS}/configmaps?"),
            format!("PUT /api/v1/namespaces/{NS}/configmaps/kubechat-incident-{ID}?"),
        ],
        "one create, one append; the repeat wrote nothing"
    );
}

/// Two consoles writing the same incident at once: each append reads, appends and replaces
/// with the resourceVersion it read; the loser of a race gets 409 Conflict and starts again.
/// Nothing is lost and nothing doubled.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_consoles_lose_nothing_through_conflicts() {
    let sim = SimHandle::start(SimOptions::default()).await.unwrap();
    let mut ids = EntryIds::new("console-a");
    let first = declared(&mut ids);
    let writer = KubeWriter::new(sim.client(), NS);
    writer.share_incident(&share(vec![first])).await.unwrap();
    const NOTES: usize = 15;
    let consoles: Vec<_> = ["console-b", "console-c"]
        .into_iter()
        .map(|origin| {
            let writer = KubeWriter::new(sim.client(), NS);
            tokio::spawn(async move {
                let mut ids = EntryIds::new(origin);
                let mut attempts = 0;
                for n in 0..NOTES {
                    let note = ids.entry(
                        Timestamp::now(),
                        What::Note {
                            text: format!("{origin} note {n}"),
                        },
                    );
                    attempts += writer.share_incident(&share(vec![note])).await.unwrap();
                }
                attempts
            })
        })
        .collect();
    let mut attempts = 0;
    for c in consoles {
        attempts += c.await.unwrap();
    }
    eprintln!("{} appends took {attempts} attempts", 2 * NOTES);
    let all = read_all(sim.client(), NS).await.unwrap();
    let entries = &all[0].1.entries;
    assert_eq!(entries.len(), 1 + 2 * NOTES);
    let mut unique: Vec<&str> = entries.iter().map(|e| e.id.as_str()).collect();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), entries.len(), "no entry doubled");
    let incident = Incident::fold(entries).unwrap();
    assert_eq!(incident.id, ID);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_console_watches_what_the_team_shares() {
    let sim = SimHandle::start(SimOptions::default()).await.unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::channel(16);
    let watch = spawn_watch(sim.client(), NS, tx);
    let writer = KubeWriter::new(sim.client(), NS);
    let mut ids = EntryIds::new("console-a");
    let first = declared(&mut ids);
    writer
        .share_incident(&share(vec![first.clone()]))
        .await
        .unwrap();
    let note = ids.entry(Timestamp::now(), What::Note { text: "hi".into() });
    writer
        .share_incident(&share(vec![first.clone(), note.clone()]))
        .await
        .unwrap();
    // the watch sends the ConfigMap as it is after each change: wait for the note
    let seen = tokio::time::timeout(Duration::from_secs(60), async {
        loop {
            match rx.recv().await {
                Some(Msg::Incident(IncidentMsg::Journal {
                    id,
                    entries,
                    source: JournalSource::Cluster,
                    ..
                })) if entries.len() == 2 => break (id, entries),
                Some(_) => continue,
                None => panic!("the watch ended"),
            }
        }
    })
    .await
    .expect("the watch delivers the shared incident");
    assert_eq!(seen, (ID.to_string(), vec![first, note]));
    watch.abort();
}
