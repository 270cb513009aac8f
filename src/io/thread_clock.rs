//! The CPU time the calling thread has used, and the time it waited for a core: what a
//! frame cost the console itself, apart from the others' work on a busy machine.

use std::time::Duration;

/// CPU time used by this thread so far (zero where the clock cannot be read).
pub fn thread_cpu() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime only writes the timespec it is given.
    let ok = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) } == 0;
    if !ok {
        return Duration::ZERO;
    }
    Duration::new(
        u64::try_from(ts.tv_sec).unwrap_or(0),
        u32::try_from(ts.tv_nsec).unwrap_or(0),
    )
}

/// Time this thread has spent runnable but waiting for a core, so far (from the kernel's
/// scheduler statistics; zero where they cannot be read). A frame's wall time is its CPU
/// time, this wait, and whatever it blocked on.
///
/// The file is opened once per thread and read again from its start each time (opening it
/// cost a tenth of the loop's CPU at 25 frames a second).
pub fn thread_waited_for_core() -> Duration {
    use std::os::unix::fs::FileExt;
    thread_local! {
        static SCHEDSTAT: Option<std::fs::File> =
            std::fs::File::open("/proc/thread-self/schedstat").ok();
    }
    SCHEDSTAT
        .with(|file| {
            let mut bytes = [0u8; 128];
            let n = file.as_ref()?.read_at(&mut bytes, 0).ok()?;
            let text = std::str::from_utf8(&bytes[..n]).ok()?;
            text.split_whitespace().nth(1)?.parse::<u64>().ok()
        })
        .map_or(Duration::ZERO, Duration::from_nanos)
}

/// What a span of work took: wall time, this thread's CPU time, and its wait for a core.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Spent {
    pub wall: Duration,
    pub cpu: Duration,
    pub waited: Duration,
}

impl std::ops::AddAssign for Spent {
    fn add_assign(&mut self, other: Spent) {
        self.wall += other.wall;
        self.cpu += other.cpu;
        self.waited += other.waited;
    }
}

/// The three clocks read at the start of a span. The scheduler statistics are read first
/// on the way in and last on the way out, so the reading itself is not in the span.
pub struct Stopwatch {
    waited: Duration,
    wall: std::time::Instant,
    cpu: Duration,
}

impl Stopwatch {
    pub fn start() -> Stopwatch {
        let waited = thread_waited_for_core();
        Stopwatch {
            waited,
            wall: std::time::Instant::now(),
            cpu: thread_cpu(),
        }
    }

    /// What the span took so far.
    pub fn spent(&self) -> Spent {
        let cpu = thread_cpu().saturating_sub(self.cpu);
        let wall = self.wall.elapsed();
        Spent {
            wall,
            cpu,
            waited: thread_waited_for_core().saturating_sub(self.waited),
        }
    }

    /// When the span started, by the wall clock.
    pub fn started(&self) -> std::time::Instant {
        self.wall
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clock_advances_with_work_done() {
        let before = thread_cpu();
        let mut x = 0u64;
        while thread_cpu() == before {
            x = x.wrapping_mul(31).wrapping_add(7);
            std::hint::black_box(x);
        }
        assert!(thread_cpu() > before);
    }

    #[test]
    fn the_wait_for_a_core_is_read_again_each_time() {
        // without the kernel's scheduler statistics the spinners below would never stop
        assert!(
            std::fs::read_to_string("/proc/thread-self/schedstat").is_ok(),
            "this kernel has no /proc/thread-self/schedstat"
        );
        // two threads spinning for each core: each one waits for a core before long
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let spinners: Vec<_> = (0..2 * cores)
            .map(|_| {
                std::thread::spawn(|| {
                    let before = thread_waited_for_core();
                    let mut x = 0u64;
                    while thread_waited_for_core() == before {
                        x = x.wrapping_mul(31).wrapping_add(7);
                        std::hint::black_box(x);
                    }
                    thread_waited_for_core() > before
                })
            })
            .collect();
        for s in spinners {
            assert!(s.join().unwrap());
        }
    }

    #[test]
    fn a_stopwatch_counts_work_as_cpu_and_wall_time() {
        let watch = Stopwatch::start();
        let mut x = 0u64;
        while watch.spent().cpu == Duration::ZERO {
            x = x.wrapping_mul(31).wrapping_add(7);
            std::hint::black_box(x);
        }
        let spent = watch.spent();
        assert!(spent.cpu > Duration::ZERO);
        assert!(spent.wall >= spent.cpu);
    }
}
