//! The CPU time the calling thread has used: what a frame cost the console itself, apart
//! from the time it waited for a core (on a busy machine a frame's wall time is mostly the
//! others' work).

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
}
