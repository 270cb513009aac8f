//! Drives the real binary in tmux the way a person would: start it in a detached session
//! of a fixed size, send keys, read the screen with capture-pane.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

pub struct Tmux {
    pub session: String,
    socket: PathBuf,
    /// Everything the program wrote to the terminal (tmux pipe-pane).
    out: PathBuf,
}

/// How long a screen may take to show what a test waits for. Not a timing assertion: only
/// the bound after which the test gives up and prints the screen.
pub const PATIENCE: Duration = Duration::from_secs(60);

impl Tmux {
    /// Starts `command` (a shell command line) in a new session `width`×`height`, with
    /// `env` set; the pane stays after the program exits so its status can be read.
    /// The command runs in a small wrapper script that, after it exits, prints the
    /// terminal's line discipline (`icanon`/`-icanon`, `echo`/`-echo`), so a test can see
    /// that raw mode was left; all output is also recorded to `pane.out` to check the
    /// escape sequences that show the cursor and leave the alternate screen.
    pub fn start(dir: &Path, command: &str, env: &[(&str, &str)], width: u16, height: u16) -> Tmux {
        let session = format!("kc{}", std::process::id());
        let socket = dir.join("tmux.sock");
        let script = dir.join("run.sh");
        std::fs::write(
            &script,
            format!(
                "{command}\ncode=$?\nprintf '\\nafter-exit: %s %s exit=%s\\n' \"$(stty -a | tr ' ;' '\\n\\n' | grep -x -e icanon -e -icanon)\" \"$(stty -a | tr ' ;' '\\n\\n' | grep -x -e echo -e -echo)\" \"$code\"\nexit $code\n"
            ),
        )
        .expect("write the wrapper script");
        let tmux = Tmux {
            session,
            socket,
            out: dir.join("pane.out"),
        };
        let mut cmd = tmux.cmd();
        cmd.args(["-f", "/dev/null", "new-session", "-d", "-s", &tmux.session])
            .args(["-x", &width.to_string(), "-y", &height.to_string()]);
        for (k, v) in env {
            cmd.args(["-e", &format!("{k}={v}")]);
        }
        cmd.arg(format!("sh {}", script.display()));
        let out = cmd.output().expect("tmux runs");
        assert!(
            out.status.success(),
            "tmux new-session: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        tmux.run(&["set-option", "-t", &tmux.session, "remain-on-exit", "on"]);
        let pipe = format!("cat >> {}", tmux.out.display());
        tmux.run(&["pipe-pane", "-t", &tmux.session, &pipe]);
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
        self.wait_for_within(PATIENCE, what, pred)
    }

    /// [`Tmux::wait_for`] with its own bound, for what the simulated cluster takes long to do.
    pub fn wait_for_within(
        &self,
        patience: Duration,
        what: &str,
        pred: impl Fn(&str) -> bool,
    ) -> String {
        let deadline = Instant::now() + patience;
        loop {
            let screen = self.screen();
            if pred(&screen) {
                return screen;
            }
            if Instant::now() > deadline {
                panic!("waited {patience:?} for {what}; the screen shows:\n{screen}");
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
        self.run(&[
            "display-message",
            "-p",
            "-t",
            &self.session,
            &format!("#{{{format}}}"),
        ])
        .trim()
        .to_string()
    }

    /// Waits for the program to exit; returns its exit status, as the wrapper script
    /// printed it (tmux's own pane-death bookkeeping lags and is not needed).
    pub fn wait_exit(&self) -> i32 {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let screen = self.screen();
            let status = screen
                .lines()
                .find_map(|l| l.strip_prefix("after-exit: "))
                .and_then(|l| l.rsplit("exit=").next())
                .and_then(|code| code.trim().parse().ok());
            if let Some(status) = status {
                return status;
            }
            if Instant::now() > deadline {
                panic!("the program did not exit; the screen shows:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// After the program exited: the terminal is back to normal — cooked mode with echo
    /// (as the wrapper's `stty` saw it), the alternate screen left and the cursor shown
    /// (the last such escape sequences the program wrote). Err says what is not restored.
    pub fn restored(&self) -> Result<(), String> {
        let screen = self.screen();
        let line = screen
            .lines()
            .find(|l| l.starts_with("after-exit:"))
            .unwrap_or("");
        if !line.starts_with("after-exit: icanon echo exit=") {
            let script =
                std::fs::read_to_string(self.out.with_file_name("run.sh")).unwrap_or_default();
            let out = String::from_utf8_lossy(&std::fs::read(&self.out).unwrap_or_default())
                .chars()
                .rev()
                .take(600)
                .collect::<String>()
                .chars()
                .rev()
                .collect::<String>();
            return Err(format!("line discipline after exit: {line:?}\n{screen}\nscript:\n{script}\nout tail: {out:?}"));
        }
        let out = std::fs::read(&self.out).unwrap_or_default();
        let last = |seq: &[u8]| out.windows(seq.len()).rposition(|w| w == seq);
        if self.pane("alternate_on") != "0" || last(b"\x1b[?1049l") < last(b"\x1b[?1049h") {
            return Err("still on the alternate screen".into());
        }
        if last(b"\x1b[?25h") < last(b"\x1b[?25l") {
            return Err("the cursor is still hidden".into());
        }
        Ok(())
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.cmd().args(["kill-server"]).output();
    }
}

/// True when tmux is installed (the end-to-end tests need it; scripts/test installs it).
pub fn available() -> bool {
    Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success())
}
