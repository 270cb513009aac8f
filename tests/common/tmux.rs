//! Drives the real binary in tmux the way a person would: start it in a detached session
//! of a fixed size, send keys, read the screen with capture-pane.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

pub struct Tmux {
    pub session: String,
    socket: PathBuf,
}

/// How long a screen may take to show what a test waits for. Not a timing assertion: only
/// the bound after which the test gives up and prints the screen.
pub const PATIENCE: Duration = Duration::from_secs(30);

impl Tmux {
    /// Starts `command` (a shell command line) in a new session `width`×`height`, with
    /// `env` set; the pane stays after the program exits so its status can be read.
    pub fn start(dir: &Path, command: &str, env: &[(&str, &str)], width: u16, height: u16) -> Tmux {
        let session = format!("kc{}", std::process::id());
        let socket = dir.join("tmux.sock");
        let tmux = Tmux { session, socket };
        let mut cmd = tmux.cmd();
        cmd.args(["-f", "/dev/null", "new-session", "-d", "-s", &tmux.session])
            .args(["-x", &width.to_string(), "-y", &height.to_string()]);
        for (k, v) in env {
            cmd.args(["-e", &format!("{k}={v}")]);
        }
        cmd.arg(command);
        let out = cmd.output().expect("tmux runs");
        assert!(out.status.success(), "tmux new-session: {}", String::from_utf8_lossy(&out.stderr));
        tmux.run(&["set-option", "-t", &tmux.session, "remain-on-exit", "on"]);
        tmux
    }

    fn cmd(&self) -> Command {
        let mut c = Command::new("tmux");
        c.arg("-S").arg(&self.socket);
        c
    }

    fn run(&self, args: &[&str]) -> String {
        let out = self.cmd().args(args).output().expect("tmux runs");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The visible screen as text.
    pub fn screen(&self) -> String {
        self.run(&["capture-pane", "-p", "-t", &self.session])
    }

    /// Sends keys as tmux names them ("Tab", "q", "C-c", "Escape", "Enter").
    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", self.session.as_str()];
        args.extend_from_slice(keys);
        self.run(&args);
    }

    /// Sends literal text.
    pub fn type_text(&self, text: &str) {
        self.run(&["send-keys", "-t", &self.session, "-l", text]);
    }

    /// Waits until the screen satisfies `pred`; panics with the screen after [`PATIENCE`].
    pub fn wait_for(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let screen = self.screen();
            if pred(&screen) {
                return screen;
            }
            if Instant::now() > deadline {
                panic!("waited {PATIENCE:?} for {what}; the screen shows:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Waits for the screen to contain `text`.
    pub fn wait_text(&self, text: &str) -> String {
        self.wait_for(&format!("{text:?}"), |s| s.contains(text))
    }

    /// A tmux format value for the pane, e.g. "pane_dead", "alternate_on", "cursor_flag".
    pub fn pane(&self, format: &str) -> String {
        self.run(&["display-message", "-p", "-t", &self.session, &format!("#{{{format}}}")])
            .trim()
            .to_string()
    }

    /// Waits for the program to exit; returns its exit status.
    pub fn wait_exit(&self) -> i32 {
        let deadline = Instant::now() + PATIENCE;
        while self.pane("pane_dead") != "1" {
            if Instant::now() > deadline {
                panic!("the program did not exit; the screen shows:\n{}", self.screen());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        self.pane("pane_dead_status").parse().unwrap_or(-1)
    }

    /// True when the terminal is back to normal: primary screen, cursor shown.
    pub fn restored(&self) -> bool {
        self.pane("alternate_on") == "0" && self.pane("cursor_flag") == "1"
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.cmd().args(["kill-server"]).output();
    }
}

/// True when tmux is installed (the end-to-end tests need it; scripts/test installs it).
pub fn available() -> bool {
    Command::new("tmux").arg("-V").output().is_ok_and(|o| o.status.success())
}
