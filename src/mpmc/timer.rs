//! The timer flavors' buffer: the channels of [`after`], [`at`],
//! [`tick`] and [`never`], crossbeam-channel's timers.
//!
//! A timer channel has no sender: its one message is *due* at an instant,
//! and a receive takes it once that instant has passed, getting the
//! instant it was due (not the time it was taken). The schedule:
//!
//! | schedule | due | after a receive takes it |
//! |----------|-----|--------------------------|
//! | `Once(Some(t))` (`after`, `at`) | at `t` | `Once(None)`: nothing more, ever |
//! | `Every { next, period }` (`tick`) | at `next` | `next` = the time of that receive + `period`, so a tick missed is not delivered later as a burst |
//! | `Never` (`never`) | never | (never taken) |
//!
//! Only the channel's lock holder reads or moves the schedule (a receive,
//! under the lock), and it reads the clock to do so. Nobody wakes a
//! waiting receiver when a message falls due: a blocked thread parks until
//! the instant (`wait::block`, `Op::due`), a future is woken then by the
//! crate's timer thread (`wait::timer`), and a select waits for the
//! earliest instant of its timers.
//!
//! Like a rendezvous's, this buffer also holds messages put back: an
//! instant taken by a select whose operation was dropped uncompleted goes
//! back to the front.
//!
//! [`after`]: crate::after
//! [`at`]: crate::at
//! [`tick`]: crate::tick
//! [`never`]: fn@crate::never

use alloc::collections::VecDeque;
use core::time::Duration;
use std::time::Instant;

/// A timer channel's buffer. See the module docs.
#[derive(Debug)]
pub(crate) struct Timer<T> {
    schedule: Schedule,
    /// Makes the message from the instant it was due (the identity: the
    /// timers that deliver are `Receiver<Instant>`); `None` for `never`,
    /// which delivers nothing and has any message type.
    make: Option<fn(Instant) -> T>,
    put_back: VecDeque<T>,
}

#[derive(Debug)]
enum Schedule {
    Once(Option<Instant>),
    Every { next: Instant, period: Duration },
    Never,
}

impl Timer<Instant> {
    /// One message, due at `at`.
    pub(crate) fn once(at: Instant) -> Self {
        Self::new(Schedule::Once(Some(at)), Some(core::convert::identity))
    }

    /// A message due at `first`, then `period` after each receive.
    pub(crate) fn every(first: Instant, period: Duration) -> Self {
        Self::new(
            Schedule::Every {
                next: first,
                period,
            },
            Some(core::convert::identity),
        )
    }
}

impl<T> Timer<T> {
    /// No message, ever.
    pub(crate) fn never() -> Self {
        Self::new(Schedule::Never, None)
    }

    fn new(schedule: Schedule, make: Option<fn(Instant) -> T>) -> Self {
        Self {
            schedule,
            make,
            put_back: VecDeque::new(),
        }
    }

    /// When the next message falls due (`None`: none will).
    pub(crate) fn due(&self) -> Option<Instant> {
        match self.schedule {
            Schedule::Once(at) => at,
            Schedule::Every { next, .. } => Some(next),
            Schedule::Never => None,
        }
    }

    /// Takes a message put back, or the one due, if its instant has passed.
    pub(crate) fn pop(&mut self) -> Option<T> {
        if let Some(msg) = self.put_back.pop_front() {
            return Some(msg);
        }
        let due = self.due()?;
        let now = Instant::now();
        if now < due {
            return None;
        }
        self.schedule = match self.schedule {
            Schedule::Every { period, .. } => match now.checked_add(period) {
                Some(next) => Schedule::Every { next, period },
                // Past what an `Instant` holds: no tick comes again.
                None => Schedule::Once(None),
            },
            Schedule::Once(_) | Schedule::Never => Schedule::Once(None),
        };
        let make = self.make.expect("a timer that delivers makes its message");
        Some(make(due))
    }

    /// Messages ready now: those put back, and the one due if its instant
    /// has passed.
    pub(crate) fn len(&self) -> usize {
        let due = self.due().is_some_and(|due| Instant::now() >= due);
        self.put_back.len() + usize::from(due)
    }

    /// 1, as crossbeam's (`never`: 0).
    pub(crate) fn capacity(&self) -> usize {
        match self.schedule {
            Schedule::Never => 0,
            Schedule::Once(_) | Schedule::Every { .. } => 1,
        }
    }

    /// Puts back a message a select took and did not hand over.
    pub(crate) fn push_front(&mut self, msg: T) {
        self.put_back.push_front(msg);
    }

    /// Moves the messages put back out.
    pub(crate) fn take_all(&mut self) -> VecDeque<T> {
        core::mem::take(&mut self.put_back)
    }
}
