//! The headless `kubechat-ops incident …`: the built binary with its data directory in a
//! temporary one; exit codes and output; and the journal's durability when the writer is
//! killed (SIGKILL) at random points, many times.

use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use kubechat_ops::io::incident_journal::{journal_dir, journal_path, read};

#[path = "support/bin.rs"]
mod bin;
use bin::bin;

struct Home {
    dir: tempfile::TempDir,
}

impl Home {
    fn new() -> Home {
        Home {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn env(&self) -> Vec<(&'static str, PathBuf)> {
        let d = |s: &str| self.dir.path().join(s);
        vec![
            ("HOME", d("home")),
            ("XDG_CONFIG_HOME", d("config")),
            ("XDG_DATA_HOME", d("data")),
            ("XDG_STATE_HOME", d("state")),
        ]
    }

    fn incidents(&self) -> PathBuf {
        journal_dir(&self.dir.path().join("data/kubechat-ops"))
    }

    fn run(&self, args: &[&str]) -> (i32, String, String) {
        let out: Output = Command::new(bin())
            .arg("incident")
            .args(args)
            .envs(self.env())
            .env_remove("KUBECONFIG")
            .output()
            .expect("the binary runs");
        (
            out.status.code().expect("exited, not killed"),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    fn declare(&self, sev: &str, title: &str) -> String {
        let (code, out, err) = self.run(&["declare", "--sev", sev, "--title", title]);
        assert_eq!(code, 0, "{err}");
        let id = out.trim().to_string();
        assert!(id.starts_with("inc-"), "{out}");
        id
    }
}

#[test]
fn declare_list_note_status_show_and_export() {
    let h = Home::new();
    let (code, out, _) = h.run(&["list"]);
    assert_eq!((code, out.as_str()), (0, ""), "no incidents yet");
    let a = h.declare("2", "chat messages fail to send");
    let b = h.declare("3", "slow search");
    assert_ne!(a, b, "two in one second get two ids");
    assert!(journal_path(&h.incidents(), &a).exists());

    let (code, out, err) = h.run(&["note", &a, "rolled back kubechat-chat-service"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with(&format!("{a}: note saved (cli-")), "{out}");
    let (code, out, _) = h.run(&["status", &a, "mitigating"]);
    assert_eq!((code, out.trim()), (0, format!("{a}: MITIGATING").as_str()));
    let (code, out, _) = h.run(&["status", &b, "RESOLVED"]);
    assert_eq!(code, 0, "{out}");

    // one line each, open first: id, severity, status, title
    let (code, out, _) = h.run(&["list"]);
    assert_eq!(code, 0);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert_eq!(
        lines[0].split_whitespace().collect::<Vec<_>>()[..3],
        [a.as_str(), "SEV2", "MITIGATING"]
    );
    assert!(lines[0].ends_with("chat messages fail to send"), "{out}");
    assert!(
        lines[1].starts_with(&format!("{b}  SEV3  RESOLVED")),
        "{out}"
    );

    let (code, out, _) = h.run(&["show", &a]);
    assert_eq!(code, 0);
    assert!(
        out.contains("declared SEV2: chat messages fail to send"),
        "{out}"
    );
    assert!(
        out.contains("note: rolled back kubechat-chat-service"),
        "{out}"
    );
    assert!(out.contains("response met"), "a note is a response: {out}");

    let (code, md, _) = h.run(&["export", &a, "--format", "md"]);
    assert_eq!(code, 0);
    for heading in [
        "# Postmortem draft: chat messages fail to send",
        "## Summary",
        "## Impact",
        "## Timeline",
        "## Actions",
        "## Open follow-ups",
    ] {
        assert!(md.contains(heading), "{heading}: {md}");
    }
    let (code, json, _) = h.run(&["export", &a, "--format", "json"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["status"], "MITIGATING");
    assert_eq!(v["entries"].as_array().unwrap().len(), 3);
}

#[test]
fn bad_arguments_exit_2_and_an_unwritable_journal_exits_1() {
    let h = Home::new();
    let (code, _, err) = h.run(&["declare", "--sev", "7", "--title", "x"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--sev 7: expected 1, 2 or 3"), "{err}");
    let (code, _, err) = h.run(&["note", "inc-nope", "hello"]);
    assert_eq!(code, 2);
    assert!(err.contains("no incident inc-nope"), "{err}");
    let (code, _, err) = h.run(&["show", "../../etc/passwd"]);
    assert_eq!(code, 2, "{err}");
    let a = h.declare("1", "db down");
    let (code, _, err) = h.run(&["status", &a, "fixed"]);
    assert_eq!(code, 2);
    assert!(err.contains("expected investigating, mitigating"), "{err}");
    let (code, _, _) = h.run(&["note", &a, "  "]);
    assert_eq!(code, 2);

    // the data dir's incidents/ is a file: nothing can be written, and it says so
    let blocked = Home::new();
    std::fs::create_dir_all(blocked.incidents().parent().unwrap()).unwrap();
    std::fs::write(blocked.incidents(), "not a directory").unwrap();
    let (code, out, err) = blocked.run(&["declare", "--sev", "1", "--title", "x"]);
    assert_eq!((code, out.as_str()), (1, ""), "{err}");
    assert!(err.contains("cannot create"), "{err}");
}

/// A small xorshift, seeded from the clock and printed, so a failing run can be repeated
/// with KC_CRASH_SEED.
struct Rng(u64);

impl Rng {
    fn new() -> Rng {
        let seed = std::env::var("KC_CRASH_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_nanos() as u64
                    | 1
            });
        eprintln!("crash test seed: {seed} (KC_CRASH_SEED to repeat)");
        Rng(seed)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// One round: `incident note` in a loop (the real binary, a process per note), killed with
/// SIGKILL, with its whole process group, after `saved` notes reported saved and a random
/// pause. Returns the entry ids it reported saved (printed after the fsync).
fn kill_round(h: &Home, id: &str, round: u64, saved: u64, pause_us: u64) -> Vec<String> {
    let script = format!(
        "i=0; while :; do \"{}\" incident note {id} \"round {round} note $i\" || exit 3; i=$((i+1)); done",
        bin()
    );
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(script)
        .envs(h.env())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .unwrap();
    let mut reported = Vec::new();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    while (reported.len() as u64) < saved {
        let mut line = String::new();
        if out.read_line(&mut line).unwrap() == 0 {
            break;
        }
        let entry = line
            .trim()
            .rsplit_once('(')
            .map(|(_, e)| e.trim_end_matches(')'));
        reported.push(entry.expect("note saved (ENTRY)").to_string());
    }
    // a random point: during the next note's start, write or fsync
    std::thread::sleep(std::time::Duration::from_micros(pause_us));
    let status = Command::new("kill")
        .args(["-KILL", "--", &format!("-{}", child.id())])
        .status()
        .unwrap();
    assert!(status.success());
    child.wait().unwrap();
    reported
}

#[test]
fn notes_reported_saved_survive_sigkill_at_random_points() {
    let h = Home::new();
    let id = h.declare("2", "crash test");
    let path = journal_path(&h.incidents(), &id);
    let mut rng = Rng::new();
    let mut reported = Vec::new();
    for round in 0..30 {
        let saved = rng.below(4);
        let pause = rng.below(20_000);
        reported.extend(kill_round(&h, &id, round, saved, pause));
        // after every kill: the journal reads, nothing reported saved is missing
        let j = read(&path).unwrap();
        let on_disk: Vec<&str> = j.entries.iter().map(|e| e.id.as_str()).collect();
        for r in &reported {
            assert!(
                on_disk.contains(&r.as_str()),
                "round {round}: {r} reported saved, not on disk"
            );
        }
        assert!(
            j.warnings.iter().all(|w| w.contains("torn last line")),
            "only a torn tail may be skipped: {:?}",
            j.warnings
        );
    }
    assert!(reported.len() >= 10, "the loop wrote: {}", reported.len());

    // SIGKILL cannot cut one write() of a line in half; a power cut can. Cut the file inside
    // its last line, as one would: the torn tail is reported, every earlier line kept, and
    // the next note lands whole.
    let before = read(&path).unwrap().entries;
    let bytes = std::fs::read(&path).unwrap();
    let last_line = bytes[..bytes.len() - 1]
        .iter()
        .rposition(|b| *b == b'\n')
        .unwrap()
        + 1;
    let cut = last_line + 1 + rng.below((bytes.len() - last_line - 2) as u64) as usize;
    std::fs::write(&path, &bytes[..cut]).unwrap();
    let (code, out, err) = h.run(&["show", &id]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("torn last line (an append was cut short): skipped"),
        "{err}"
    );
    assert!(out.contains("declared SEV2: crash test"), "{out}");
    let j = read(&path).unwrap();
    assert!(j.torn_tail);
    assert_eq!(j.entries[..], before[..before.len() - 1]);
    let (code, _, err) = h.run(&["note", &id, "after the cut"]);
    assert_eq!(code, 0, "{err}");
    let j = read(&path).unwrap();
    assert_eq!(j.entries.len(), before.len());
    assert!(out_of(&path).ends_with("\"text\":\"after the cut\"}\n"));
}

fn out_of(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap()
}
