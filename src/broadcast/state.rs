//! A broadcast channel's plain state: the ring of held messages with
//! their `unread` counts, the receivers' cursors, the two wait lists, and
//! the carrier of what a locked section leaves for after unlocking
//! ([`After`]). The rules it keeps are `chan.rs`'s (its module docs); the
//! unit tests below check its moves without threads. The messages
//! themselves are reached only through the slot handles of `slot.rs`.

use alloc::collections::VecDeque;
use alloc::vec::Vec;
use core::mem::ManuallyDrop;
use core::task::Waker;

use super::slot::{Held, Spare};
use crate::queue::until;
use crate::queue::waitlist::{WaitList, Wakers, CLOSED, NOTIFIED};

/// A receiver's place in the channel: the number of the next message it
/// reads, and a message it has read already but could not hand over yet.
pub(crate) struct Cursor<T> {
    pub(crate) next: u64,
    /// Taken from the channel, then kept while the read ran user code (a
    /// wake, a drop) that panicked: the next read returns it first.
    pub(super) kept: Option<T>,
}

impl<T> Cursor<T> {
    /// A receiver about to read message `next`.
    pub(crate) const fn at(next: u64) -> Self {
        Self { next, kept: None }
    }

    /// How many messages it keeps (0 or 1): read, not yet handed over.
    pub(crate) fn kept(&self) -> usize {
        usize::from(self.kept.is_some())
    }

    /// Hands `msg` over once `finish` (work after the read that runs user
    /// code) is done; if `finish` panics, `msg` stays here, for the next
    /// read, instead of being dropped by the unwinding.
    pub(super) fn deliver(&mut self, msg: T, finish: impl FnOnce()) -> T {
        self.kept = Some(msg);
        finish();
        self.kept.take().expect("kept above")
    }
}

impl<T: Clone> Clone for Cursor<T> {
    fn clone(&self) -> Self {
        Self {
            next: self.next,
            kept: self.kept.clone(),
        }
    }
}

impl<T> core::fmt::Debug for Cursor<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Cursor")
            .field("next", &self.next)
            .field("kept", &self.kept.is_some())
            .finish()
    }
}

/// The plain state behind the lock.
pub(crate) struct State<T> {
    pub(super) ring: VecDeque<Held<T>>,
    /// The number of `ring[0]`.
    pub(super) head: u64,
    /// Empty slots, for reuse.
    pub(super) spare: Vec<Spare<T>>,
    pub(super) receivers: usize,
    pub(super) closed: bool,
    pub(super) waiting_senders: WaitList<T>,
    pub(super) waiting_receivers: WaitList<T>,
    /// Senders waiting for the channel to close or lose its last receiver
    /// (`queue::until`).
    pub(super) closing: WaitList<()>,
}

/// What a locked section leaves to do after unlocking: wake entries, drop
/// messages. The caller makes one on its stack, lends it to the
/// locked section, and drops it after unlocking: dropping it does the work.
/// (Usually there is none: then it is one `None`, cheap to make and drop.)
pub(crate) struct After<T>(ManuallyDrop<Option<Work<T>>>);
// (`ManuallyDrop` only spares the out-of-line drop of an empty `After`:
// `Drop` below takes any `Work` out and drops it, so nothing is leaked.)

/// The work of an [`After`].
struct Work<T> {
    /// The wakers of the entries moved off the lists.
    woken: Wakers,
    /// Messages to drop; the first one without allocating (an overwrite
    /// drops one message per send).
    dropped: Option<T>,
    dropped_more: Vec<T>,
}

impl<T> After<T> {
    pub(super) const fn new() -> Self {
        Self(ManuallyDrop::new(None))
    }

    /// Whether there is nothing to do.
    #[inline]
    pub(super) fn is_empty(&self) -> bool {
        self.0.is_none()
    }

    fn work(&mut self) -> &mut Work<T> {
        self.0.get_or_insert_with(|| Work {
            woken: Wakers::new(),
            dropped: None,
            dropped_more: Vec::new(),
        })
    }

    /// Wakes `waker` (a waiting sender's, finished) after unlocking.
    pub(super) fn wake(&mut self, waker: Option<Waker>) {
        if let Some(waker) = waker {
            self.work().woken.push(waker);
        }
    }

    /// The wakers to fill with those of entries moved off a list.
    pub(super) fn wakers(&mut self) -> &mut Wakers {
        &mut self.work().woken
    }

    pub(super) fn drop_msg(&mut self, msg: T) {
        let work = self.work();
        if work.dropped.is_none() {
            work.dropped = Some(msg);
        } else {
            work.dropped_more.push(msg);
        }
    }
}

impl<T> Drop for After<T> {
    #[inline]
    fn drop(&mut self) {
        self.finish();
    }
}

impl<T> After<T> {
    /// Does the work now, in place (dropping would move it first), once
    /// the lock is released.
    #[inline]
    pub(super) fn finish(&mut self) {
        if self.0.is_some() {
            self.run();
        }
    }

    #[cold]
    #[inline(never)]
    fn run(&mut self) {
        drop(self.0.take());
    }
}

impl<T> Drop for Work<T> {
    /// Wakes everyone (every wake runs even if one panics), then drops the
    /// messages (the fields, dropped after this: every one, even while a
    /// panicking wake or drop unwinds).
    fn drop(&mut self) {
        core::mem::replace(&mut self.woken, Wakers::new()).wake();
    }
}

impl<T> State<T> {
    pub(super) fn tail(&self) -> u64 {
        self.head + self.ring.len() as u64
    }

    /// The ring index of message `pos`, if it is held.
    pub(super) fn index(&self, pos: u64) -> Option<usize> {
        let at = pos.checked_sub(self.head)?;
        usize::try_from(at).ok().filter(|&at| at < self.ring.len())
    }

    /// The ring index of the first message the receiver at `next` has yet
    /// to read (`ring.len()` if none).
    pub(super) fn first_unread(&self, next: u64) -> usize {
        // A receiver is never past the tail, so this fits the ring.
        (next.max(self.head) - self.head) as usize
    }

    /// Puts a message at the tail, to be read by every receiver there is.
    #[inline(always)]
    pub(super) fn push(&mut self, msg: T) {
        let held = Held::new(self.spare.pop(), msg, self.receivers);
        self.ring.push_back(held);
    }

    /// A slot that left the ring while a receiver cloned it, back from
    /// that cloner ([`Marked::unmark`](super::slot::Marked::unmark)): its
    /// message is dropped after unlocking, the slot kept as a spare.
    pub(super) fn keep_detached(
        &mut self,
        detached: Option<(Option<T>, Spare<T>)>,
        after: &mut After<T>,
    ) {
        if let Some((msg, spare)) = detached {
            if let Some(msg) = msg {
                after.drop_msg(msg);
            }
            self.spare.push(spare);
        }
    }

    /// Notifies every waiting receiver (a message came, or the end).
    #[inline]
    pub(super) fn notify_receivers(&mut self, after: &mut After<T>) {
        if !self.waiting_receivers.is_empty() {
            self.notify_waiting_receivers(after);
        }
    }

    fn notify_waiting_receivers(&mut self, after: &mut After<T>) {
        self.waiting_receivers.notify_all(NOTIFIED, after.wakers());
    }

    /// Pops the done messages at the head, then moves waiting senders'
    /// messages into the room that made (or, with no receiver left, gives
    /// them back).
    pub(super) fn release(&mut self, cap: usize, after: &mut After<T>) {
        while self.ring.front().is_some_and(Held::is_done) {
            let held = self.ring.pop_front().expect("checked above");
            self.head += 1;
            self.spare.push(held.into_spare());
        }
        if self.waiting_senders.is_empty() {
            return;
        }
        if self.receivers == 0 {
            debug_assert!(self.ring.is_empty(), "nobody left to read the ring");
            self.waiting_senders.notify_all(CLOSED, after.wakers());
            return;
        }
        let mut moved = false;
        while self.ring.len() < cap {
            let Some((msg, sender)) = self.waiting_senders.pop_sender() else {
                break;
            };
            self.push(msg);
            after.wake(sender);
            moved = true;
        }
        if moved {
            self.notify_receivers(after);
        }
    }

    /// Closes the channel; returns whether this call closed it.
    pub(super) fn close(&mut self, after: &mut After<T>) -> bool {
        let was_open = !self.closed;
        self.closed = true;
        if !self.waiting_senders.is_empty() {
            self.waiting_senders.notify_all(CLOSED, after.wakers());
        }
        self.notify_receivers(after);
        self.notify_closing(after);
        was_open
    }

    /// A receiver is gone; the last one wakes the senders waiting for
    /// that (a send fails from then on, until a receiver subscribes).
    pub(super) fn drop_receiver(&mut self, after: &mut After<T>) {
        self.receivers -= 1;
        if self.receivers == 0 {
            self.notify_closing(after);
        }
    }

    /// Notifies every sender waiting for the close.
    fn notify_closing(&mut self, after: &mut After<T>) {
        if !self.closing.is_empty() {
            until::notify_all(&mut self.closing, after.wakers());
        }
    }

    /// The list of senders waiting for the close.
    pub(super) fn closing(&mut self) -> &mut WaitList<()> {
        &mut self.closing
    }

    /// Whether a sender waiting for the close is done: the channel is
    /// closed, or has no receiver (`None`: it cannot tell without the
    /// lock).
    pub(super) fn has_closed(state: Option<&Self>) -> bool {
        state.is_some_and(|state| state.closed || state.receivers == 0)
    }
}

/// The ring's moves, without threads.
#[cfg(all(test, not(tidings_loom)))]
mod tests {
    use super::*;
    use crate::queue::waitlist::counting_waker::{self, Count};
    use crate::queue::waitlist::{Waiting, SENT};
    use std::sync::Arc; // shim-exempt: the test wakers' counts

    fn state(receivers: usize) -> State<u32> {
        State {
            ring: VecDeque::new(),
            head: 0,
            spare: Vec::new(),
            receivers,
            closed: false,
            waiting_senders: WaitList::new(),
            waiting_receivers: WaitList::new(),
            closing: WaitList::new(),
        }
    }

    /// A waiting future's entry, and the count of its waker's wakes.
    fn entry() -> (Waiting<u32>, Arc<Count>) {
        let (waker, count) = counting_waker::new();
        (Waiting::new(false, &waker), count)
    }

    /// Every receiver reads the head message: the last one takes it out.
    fn read_head(state: &mut State<u32>) -> u32 {
        let held = state.ring.front_mut().expect("a message is held");
        held.unread = 0;
        held.take_idle().expect("held, and nobody clones it")
    }

    #[test]
    fn positions_map_to_the_ring() {
        let mut state = state(2);
        for msg in 0..3 {
            state.push(msg);
        }
        assert_eq!(state.tail(), 3);
        assert_eq!(state.index(0), Some(0));
        assert_eq!(state.index(2), Some(2));
        assert_eq!(state.index(3), None, "not sent yet");
        assert_eq!(state.first_unread(1), 1);
        assert_eq!(state.ring[0].unread, 2, "every receiver there is reads it");
        // The head message read by both: released, its slot kept.
        assert_eq!(read_head(&mut state), 0);
        let mut after = After::new();
        state.release(4, &mut after);
        assert!(after.is_empty(), "nobody to wake");
        assert_eq!((state.head, state.ring.len(), state.spare.len()), (1, 2, 1));
        assert_eq!(state.index(0), None, "released");
        assert_eq!(
            state.first_unread(0),
            0,
            "a lagged receiver reads from the head"
        );
        // The spare slot is reused by the next push.
        state.push(3);
        assert!(state.spare.is_empty());
        assert_eq!(state.tail(), 4);
    }

    #[test]
    fn release_moves_waiting_senders_in_and_wakes_them() {
        let mut state = state(1);
        state.push(1);
        let (sender, wakes) = entry();
        state.waiting_senders.push_sender(&sender, 2);
        let mut after = After::new();
        state.release(1, &mut after);
        assert!(after.is_empty(), "still full: the sender waits");
        assert_eq!(read_head(&mut state), 1);
        state.release(1, &mut after);
        assert_eq!(sender.state(), SENT);
        assert!(!after.is_empty(), "the sender is to be woken");
        after.finish();
        assert_eq!(wakes.get(), 1);
        assert_eq!(state.ring.len(), 1);
        assert_eq!(read_head(&mut state), 2);
    }

    #[test]
    fn with_no_receiver_left_waiting_senders_get_their_messages_back() {
        let mut state = state(1);
        state.push(1);
        let (sender, wakes) = entry();
        state.waiting_senders.push_sender(&sender, 2);
        // The only receiver is dropped: it will read nothing more.
        state.receivers = 0;
        state.ring[0].unread = 0;
        let dropped = state.ring[0].take_idle();
        assert_eq!(dropped, Some(1), "its unread message goes with it");
        let mut after = After::new();
        state.release(1, &mut after);
        after.finish();
        assert!(state.ring.is_empty());
        assert_eq!(sender.send_outcome().err(), Some(2));
        assert_eq!(wakes.get(), 1);
    }

    #[test]
    fn close_finishes_senders_and_notifies_receivers_once() {
        let mut state = state(1);
        state.push(1);
        let (sender, sender_wakes) = entry();
        state.waiting_senders.push_sender(&sender, 2);
        let (receiver, receiver_wakes) = entry();
        state.waiting_receivers.push(receiver.share());
        let mut after = After::new();
        assert!(state.close(&mut after));
        after.finish();
        assert_eq!(sender.send_outcome().err(), Some(2));
        assert_eq!(receiver.state(), NOTIFIED);
        assert_eq!((sender_wakes.get(), receiver_wakes.get()), (1, 1));
        let mut after = After::new();
        assert!(!state.close(&mut after), "closed once");
        assert!(after.is_empty());
        // What was sent before is still there to read.
        assert_eq!(read_head(&mut state), 1);
    }

    #[test]
    fn the_last_receiver_leaving_or_a_close_notifies_the_senders_waiting_for_it() {
        let mut state = state(1);
        state.receivers = 2;
        let wait = |state: &mut State<u32>| {
            let (waker, wakes) = counting_waker::new();
            let waiting = Waiting::<()>::new(false, &waker);
            state.closing().push(waiting.share());
            (waiting, wakes)
        };
        let (waiting, wakes) = wait(&mut state);
        let mut after = After::new();
        state.drop_receiver(&mut after);
        assert!(after.is_empty(), "one receiver left");
        assert!(!State::has_closed(Some(&state)));
        state.drop_receiver(&mut after);
        after.finish();
        assert_eq!((waiting.state(), wakes.get()), (NOTIFIED, 1));
        assert!(State::has_closed(Some(&state)));

        state.receivers = 1; // subscribed again
        assert!(!State::has_closed(Some(&state)));
        let (waiting, wakes) = wait(&mut state);
        let mut after = After::new();
        state.close(&mut after);
        after.finish();
        assert_eq!((waiting.state(), wakes.get()), (NOTIFIED, 1));
        assert!(State::has_closed(Some(&state)));
    }

    #[test]
    #[cfg(feature = "std")]
    fn a_cursor_keeps_a_message_whose_hand_over_panicked() {
        let mut cursor = Cursor::<u32>::at(7);
        let got = cursor.deliver(1, || {});
        assert_eq!((got, cursor.kept()), (1, 0));
        let unwound = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            cursor.deliver(2, || panic!("a waker panicked"));
        }));
        assert!(unwound.is_err());
        assert_eq!(cursor.kept(), 1, "kept for the next read");
        assert_eq!(cursor.kept.take(), Some(2));
        assert_eq!(cursor.next, 7, "the position is the caller's to move");
    }
}
