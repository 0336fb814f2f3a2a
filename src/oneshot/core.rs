//! `Core<T>`: the state machine of every oneshot in the crate.
//!
//! A core holds one message cell, one waiter slot (`WakerSlot`) and one
//! atomic state. The sender half writes the message and moves the state
//! forward once; the receiver half reads it. Who *owns* the core (a `Box`
//! shared by two handles, a borrowed slot, a reusable channel) is the
//! owner's business: the core only tells each half, when it lets go,
//! whether the other half is already gone, so the owner knows who cleans up.
//!
//! # States
//!
//! | state     | message cell | waiter slot | halves alive | next states (by whom) |
//! |-----------|--------------|-------------|--------------|-----------------------|
//! | `EMPTY`   | the sender's: it may write the message | may hold a stale waker; no one waits | both | `MESSAGE` (the sender's compare-and-swap), `FINISHING` (sender); `WAITING`, `CLOSED` (receiver) |
//! | `WAITING` | the sender's, as above | holds the receiver's waker | both | `FINISHING` (sender); `EMPTY`, `CLOSED` (receiver) |
//! | `FINISHING` | the sender's | the sender takes the waker if the receiver was waiting | both | `MESSAGE`, `CLOSED` (sender, plain store) |
//! | `MESSAGE` | holds the message; the receiver's | the receiver's | receiver | `CLOSED` (receiver) |
//! | `CLOSED`  | empty | the survivor's | one | `FINISHING` (the sender's swap, when it owns the core anyway); `EMPTY` (an exclusive owner's `reopen`) |
//!
//! `CLOSED` means "the other half is gone": the sender dropped without
//! sending (the receiver sees it), the receiver dropped (the sender sees
//! it), or the receiver took the message (the sender is gone already). The
//! half that observes `CLOSED` owns the whole core from then on.
//!
//! A send first writes the message and tries `EMPTY → MESSAGE` with one
//! compare-and-swap: with no receiver waiting, that is all. Otherwise,
//! and for a drop unsent, the sender finishes with one unconditional
//! `swap` to `FINISHING`, so its path has no loop: wait-free. The swap
//! tells it what the receiver was doing. If the receiver was waiting, the
//! sender takes the waker out of the slot while the state still says
//! `FINISHING`, stores its final state, and only then wakes the receiver,
//! which may free the core the moment it sees the final state: the sender
//! never touches the core after publishing it. A receiver that meets
//! `FINISHING` waits for the sender, which is a few instructions from
//! leaving it (see `loom::Spin`): a poll spins briefly and then asks to be
//! polled again, so it stays wait-free; a receiver's drop must wait.
//!
//! # A sender waiting for the receiver to leave
//!
//! A core's `leaving` part ([`Leaving`]) is what the receiver's drop
//! tells a sender: nothing (`()`, zero-sized: a `Slot`, a multishot, whose
//! senders cannot wait for that), or, for the heap oneshot ([`Closer`]), a
//! second waker slot holding the waker of a sender that waits for the
//! receiver to be dropped (`Sender::closed`), with a flag.
//! The receiver's drop, while the sender is still there, sets `leaving`,
//! takes the closer's waker, and only then moves to `CLOSED` (after which
//! the sender may free the core); it wakes the waker once it no longer
//! touches the core. A waiting sender registers its waker, then looks at
//! `CLOSED` and `leaving`: a registration that came after the receiver's
//! take sees `leaving` (the take's Release, the register's Acquire), one
//! that came before is what the take finds (or, concurrent with it, wakes
//! itself: the `WakerSlot` protocol). A sender that sees `leaving` knows
//! its waker may not be woken: the receiver is a few instructions from
//! `CLOSED`, so it spins for that briefly, then asks to be polled again.
//! The wait ends at `CLOSED` only, so a send right after it fails.
//!
//! # Rounds
//!
//! A core can carry one message per *round*. The heap oneshot uses one
//! round. `Slot` and `multishot` start another with `reopen` (any state →
//! `EMPTY`, dropping a message left over), which only an owner that knows
//! no half is acting may call: `Slot::split` holds `&mut`, and a multishot
//! receiver recycles only after seeing `CLOSED`, the sender's last move.
//! `Slot::take` also starts a new round when it takes a message.
//!
//! # Cost
//!
//! `send` is one compare-and-swap (`EMPTY → MESSAGE`) when no receiver
//! waits; a waiting receiver (or one gone) makes it the finishing `swap`
//! and a store, and a waiting one adds the slot's two RMWs and the wake.
//! (It was a load, a `swap` and a store: the oneshot crate's send took
//! fewer instructions.) Receiving a message that is already there is a
//! load and a store; the heap receiver's consuming `recv` makes no store,
//! and frees the core at once (`take_last`, `free_taken`).
#![allow(unsafe_code)]

use core::mem::MaybeUninit;
use core::task::{Context, Poll};

use crate::error::{RecvError, TryRecvError};
use crate::loom::atomic::{AtomicU8, Ordering::*};
use crate::loom::cell::UnsafeCell;
use crate::loom::{maybe_const_fn, Spin};
use crate::wait::waker_slot::WakerSlot;

/// No message; no receiver waiting.
const EMPTY: u8 = 0;
/// No message; the receiver's waker is in the slot.
const WAITING: u8 = 1;
/// The sender is finishing: it takes the waker, if any, then stores its
/// final state.
const FINISHING: u8 = 2;
/// The message is in the cell; the sender is gone.
const MESSAGE: u8 = 3;
/// The other half is gone (see the module docs); nothing in the cell.
const CLOSED: u8 = 4;

/// What happened to a message handed to [`Core::send`].
pub(crate) enum Sent<T> {
    /// It is in the core; the receiver owns the core now.
    Delivered,
    /// The receiver is gone; the message comes back and the sender owns the
    /// core now.
    ReceiverGone(T),
}

pub(crate) struct Core<T, L = ()> {
    state: AtomicU8,
    /// Initialized in `MESSAGE`; before that, only the sender touches it
    /// (it writes the message, and reads it back if the receiver is gone).
    message: UnsafeCell<MaybeUninit<T>>,
    waiter: WakerSlot,
    /// What the receiver's drop tells a sender (module docs).
    leaving: L,
}

/// What a core's receiver, as its drop begins, tells a sender that waits
/// for it to leave (see the module docs).
pub(crate) trait Leaving {
    /// At the start of a round: nobody left, nobody waits.
    #[cfg_attr(not(feature = "alloc"), allow(dead_code))] // for `new_boxed`
    fn new() -> Self;
    /// The receiver's drop has begun (before its move to `CLOSED`):
    /// returns the waiting sender's waker, to be woken once the receiver
    /// no longer touches the core.
    fn begin(&self) -> Option<core::task::Waker>;
    /// A new round begins (the owner holds the core alone).
    fn reset(&self);
    /// Whether it holds nothing to drop (no waker), looked at alone.
    #[cfg_attr(not(feature = "std"), allow(dead_code))] // `Core::free_taken` (std) uses it
    fn is_empty(&mut self) -> bool;
}

/// Nothing: for the cores whose senders cannot wait for the receiver.
impl Leaving for () {
    fn new() -> Self {}

    #[inline(always)]
    fn begin(&self) -> Option<core::task::Waker> {
        None
    }

    fn reset(&self) {}

    fn is_empty(&mut self) -> bool {
        true
    }
}

/// The heap oneshot's: a sender's waker, and whether the receiver's drop
/// has begun.
#[cfg(feature = "alloc")]
pub(crate) struct Closer {
    slot: WakerSlot,
    /// 1 once the receiver's drop has begun; 0 at the start.
    leaving: AtomicU8,
}

#[cfg(feature = "alloc")]
impl Leaving for Closer {
    fn new() -> Self {
        Self {
            slot: WakerSlot::new(),
            leaving: AtomicU8::new(0),
        }
    }

    fn begin(&self) -> Option<core::task::Waker> {
        // ORDERING: Relaxed: the slot's take (Release) below publishes it
        // to a registration that comes after the take.
        self.leaving.store(1, Relaxed);
        self.slot.take()
    }

    fn reset(&self) {
        // ORDERING: the owner holds the core alone; its next publication
        // (the round's Release store of EMPTY) orders this.
        self.leaving.store(0, Relaxed);
    }

    #[inline(always)]
    fn is_empty(&mut self) -> bool {
        self.slot.is_empty()
    }
}

impl<T> Core<T> {
    maybe_const_fn! {
        /// A core at the start of a round: no message, no waiter.
        pub(crate) fn new() -> Self {
            Self {
                state: AtomicU8::new(EMPTY),
                message: UnsafeCell::new(MaybeUninit::uninit()),
                waiter: WakerSlot::new(),
                leaving: (),
            }
        }
    }
}

impl<T, L: Leaving> Core<T, L> {
    /// A new core on the heap, built in place: a large `T` never passes
    /// through the stack (`Box::new(Core::new())` builds the core on the
    /// stack first, and a debug build keeps it there: a message type of
    /// megabytes overflowed the stack).
    #[cfg(all(feature = "alloc", not(tidings_loom)))]
    pub(crate) fn new_boxed() -> alloc::boxed::Box<Self> {
        use alloc::alloc::{alloc, handle_alloc_error, Layout};
        use core::ptr::addr_of_mut;
        // Never zero-sized: the state is a byte.
        let layout = Layout::new::<Self>();
        // SAFETY: `layout` is not zero-sized.
        let this = unsafe { alloc(layout) }.cast::<Self>();
        if this.is_null() {
            handle_alloc_error(layout);
        }
        // SAFETY: `this` is a fresh allocation of `Self`'s layout. The state and the waiter slot are written; the message cell is `MaybeUninit` (inside a plain cell), for which uninitialized bytes are valid. So the whole core is initialized, and a `Box` may own it: it was allocated by the global allocator with `Self`'s layout, as `Box` does.
        unsafe {
            addr_of_mut!((*this).state).write(AtomicU8::new(EMPTY));
            addr_of_mut!((*this).waiter).write(WakerSlot::new());
            addr_of_mut!((*this).leaving).write(L::new());
            alloc::boxed::Box::from_raw(this)
        }
    }

    /// Under loom the cells are loom's, built by value (no huge messages
    /// in the models).
    #[cfg(all(feature = "alloc", tidings_loom))]
    pub(crate) fn new_boxed() -> alloc::boxed::Box<Self> {
        alloc::boxed::Box::new(Self {
            state: AtomicU8::new(EMPTY),
            message: UnsafeCell::new(MaybeUninit::uninit()),
            waiter: WakerSlot::new(),
            leaving: L::new(),
        })
    }

    /// Frees a heap core whose message [`take_last`](Self::take_last)
    /// took: drops what its parts hold (a waker a slot may still hold,
    /// user code) but not the message, which has left. Storing `CLOSED`
    /// for the core's own drop to read back cost 2 instructions; and
    /// since the slots are nearly always empty by then, their drops are
    /// out of line, so that this is two tests and the deallocation's tail
    /// call, with no stack frame. (Callgrind, the bench's
    /// create+send+recv: 198 instructions before, 181 after; the oneshot
    /// crate's 191.)
    ///
    /// # Safety
    ///
    /// `this` came from [`new_boxed`](Self::new_boxed) (a `Box` leaked),
    /// its message was taken by `take_last`, and nothing uses it
    /// afterwards.
    #[cfg(feature = "std")]
    #[inline(never)]
    pub(crate) unsafe fn free_taken(this: *mut Self) {
        use alloc::boxed::Box;
        use core::mem::ManuallyDrop;

        // SAFETY: by the contract, `this` is a live core that nobody else uses.
        let core = unsafe { &mut *this };
        if !core.waiter.is_empty() || !core.leaving.is_empty() {
            // SAFETY: forwarded contract.
            return unsafe { Self::free_taken_slow(this) };
        }
        // SAFETY: by the contract, `this` is a leaked `Box<Self>`; `ManuallyDrop` has `Self`'s layout, so this frees the memory without the core's drop, and nothing in it is left to drop (the slots are empty; the state and the cell have no drop, see `free_taken_slow`).
        drop(unsafe { Box::from_raw(this.cast::<ManuallyDrop<Self>>()) });
    }

    /// [`free_taken`](Self::free_taken) with a waker in a slot to drop.
    ///
    /// # Safety
    ///
    /// As for `free_taken`.
    #[cfg(feature = "std")]
    #[cold]
    #[inline(never)]
    unsafe fn free_taken_slow(this: *mut Self) {
        use alloc::boxed::Box;
        use core::mem::{needs_drop, ManuallyDrop};
        use core::ptr::drop_in_place;

        /// Drops the closer's part when dropped: also while the drop of
        /// the receiver's waker unwinds.
        struct DropLast<L>(*mut L);
        impl<L> Drop for DropLast<L> {
            fn drop(&mut self) {
                // SAFETY: `free_taken_slow` drops the part once, here, and never uses it again.
                unsafe { drop_in_place(self.0) }
            }
        }

        // SAFETY: as in `free_taken`; the box frees the memory also while a waker's drop unwinds.
        let mut boxed = unsafe { Box::from_raw(this.cast::<ManuallyDrop<Self>>()) };
        // Every part, named, so that a new one cannot be forgotten here.
        let Self {
            state: _,
            message: _,
            waiter,
            leaving,
        } = &mut **boxed;
        // The state and the cell have nothing to drop (a `MaybeUninit`
        // never drops what it holds, so the taken message is left alone).
        const { assert!(!needs_drop::<AtomicU8>() && !needs_drop::<UnsafeCell<MaybeUninit<T>>>()) };
        let _last = DropLast(leaving as *mut L);
        // SAFETY: the slot is dropped once, here, and not used again.
        unsafe { drop_in_place(waiter) };
    }

    // ----- the sender half -----

    /// Puts `msg` in the core for the receiver, and wakes it if it waits.
    ///
    /// # Safety
    ///
    /// `this` points to a live core. Called by the sender half only, at most
    /// once, and not after [`close_sender`](Self::close_sender): one core
    /// has one send or one sender drop, never both. Once this returns
    /// `Delivered`, the core may already be freed by the receiver.
    pub(crate) unsafe fn send(this: *const Self, msg: T) -> Sent<T> {
        // SAFETY: the core is live (contract). A local reference, not a `&self` argument, so the receiver may free the core while it is in scope (after our last use of it) without invalidating it.
        let this = unsafe { &*this };
        this.message.with_mut(|cell| {
            // SAFETY: the sender has not finished (contract), so the state is EMPTY, WAITING or CLOSED: in the first two the cell is the sender's and empty, and the receiver does not read it until we publish MESSAGE; in CLOSED the receiver is gone and touches the core no more.
            unsafe { (*cell).write(msg) };
        });
        // Nobody waiting (the usual case): publish at once, one
        // read-modify-write and nothing else. (ORDERING: Release pairs with
        // the receiver's Acquire load: it sees the message; Acquire as in
        // `finish`.) The core may be freed by the receiver from here.
        if this
            .state
            .compare_exchange(EMPTY, MESSAGE, AcqRel, Relaxed)
            .is_ok()
        {
            return Sent::Delivered;
        }
        // A receiver waiting (or one that gave up waiting meanwhile), or
        // gone: the finishing swap.
        // SAFETY: live core, the sender's one finishing move (contract).
        if unsafe { Self::finish(this, MESSAGE) } {
            let msg = this.message.with_mut(|cell| {
                // SAFETY: the receiver is gone (CLOSED), so the cell we just filled is ours alone, and it is initialized.
                unsafe { (*cell).assume_init_read() }
            });
            return Sent::ReceiverGone(msg);
        }
        Sent::Delivered
    }

    /// The sender is dropped without sending: the receiver learns it.
    /// Returns whether the receiver is gone too, in which case the caller
    /// owns the core.
    ///
    /// # Safety
    ///
    /// `this` points to a live core. Called by the sender half only, at most
    /// once, and not after [`send`](Self::send). Once this returns false,
    /// the core may already be freed by the receiver.
    pub(crate) unsafe fn close_sender(this: *const Self) -> bool {
        // SAFETY: forwarded contract.
        unsafe { Self::finish(this, CLOSED) }
    }

    /// Moves the state to the sender's `last` state (`MESSAGE` or `CLOSED`)
    /// and wakes a waiting receiver. Returns true if the receiver was gone.
    ///
    /// It takes a pointer, not `&self`: a reference argument must stay valid
    /// until the function returns, but the receiver may free the core as
    /// soon as it sees our last state, before we have returned.
    ///
    /// # Safety
    ///
    /// `this` points to a live core; this is the sender's one finishing move.
    unsafe fn finish(this: *const Self, last: u8) -> bool {
        // SAFETY: live (contract); local, so not required past its last use.
        let this = unsafe { &*this };
        // ORDERING: Acquire pairs with the receiver's Release moves (its
        // waker registration, its drop), so we see the waker it left and,
        // if it is gone, all it did to the core before we own it.
        match this.state.swap(FINISHING, Acquire) {
            CLOSED => {
                // The receiver is gone and the core is ours; put CLOSED back
                // so that a reused core (a `Slot`) does not stay FINISHING.
                this.state.store(CLOSED, Relaxed);
                true
            }
            before => {
                // The receiver cannot free the core while it sees FINISHING,
                // so take its waker out now ...
                let waker = if before == WAITING {
                    this.waiter.take()
                } else {
                    None
                };
                // ... then publish (ORDERING: Release pairs with the
                // receiver's Acquire load: it sees the message, and our slot
                // access happens before it may free the core) ...
                this.state.store(last, Release);
                // ... and wake it without touching the core.
                if let Some(waker) = waker {
                    waker.wake();
                }
                false
            }
        }
    }

    /// Whether the receiver is gone (as seen by the sender half).
    pub(crate) fn is_receiver_gone(&self) -> bool {
        self.state.load(Acquire) == CLOSED
    }

    // ----- the receiver half -----

    /// One poll step of a receive: the message, `RecvError` if the sender is
    /// gone without one (or it was received already), or `Pending` with
    /// `cx`'s waker registered.
    ///
    /// # Safety
    ///
    /// Called by the receiver half only, never concurrently with another
    /// receiver-side method, and not after [`close_receiver`](Self::close_receiver).
    pub(crate) unsafe fn poll_recv(&self, cx: &mut Context<'_>) -> Poll<Result<T, RecvError>> {
        // SAFETY: forwarded contract.
        unsafe { self.poll_recv_with(cx, false) }
    }

    /// [`poll_recv`](Self::poll_recv), where `may_wait` says whether the
    /// caller would rather wait for a sender that is finishing (a blocking
    /// receive: it spins, then yields the thread) than be asked to poll
    /// again (a future: it stays wait-free).
    ///
    /// # Safety
    ///
    /// As for [`poll_recv`](Self::poll_recv).
    unsafe fn poll_recv_with(
        &self,
        cx: &mut Context<'_>,
        may_wait: bool,
    ) -> Poll<Result<T, RecvError>> {
        // SAFETY: forwarded contract.
        match unsafe { self.poll_settled(cx, may_wait) } {
            // SAFETY: MESSAGE was observed with Acquire (`poll_settled`); the caller is the one receiver, not running concurrently with itself.
            Poll::Ready(MESSAGE) => Poll::Ready(Ok(unsafe { self.take_message(CLOSED) })),
            Poll::Ready(_) => Poll::Ready(Err(RecvError)),
            Poll::Pending => Poll::Pending,
        }
    }

    /// One poll step of a wait for the round to settle, taking nothing:
    /// `Ready(MESSAGE)` (a message is there), `Ready(CLOSED)` (the sender
    /// is gone without one), or `Pending` with `cx`'s waker registered (or
    /// woken at once, when the sender is finishing and `may_wait` is
    /// false: poll again). A select lists a receive so: what it finds
    /// stays in the core for its try.
    ///
    /// # Safety
    ///
    /// As for [`poll_recv`](Self::poll_recv): the receiver's waker slot
    /// and its `EMPTY → WAITING` move are the receiver half's alone.
    pub(crate) unsafe fn poll_settled(&self, cx: &mut Context<'_>, may_wait: bool) -> Poll<u8> {
        // ORDERING: Acquire pairs with the sender's Release publication of
        // MESSAGE, so the message it wrote is visible.
        let mut state = self.state.load(Acquire);
        let mut spin = Spin::new();
        loop {
            match state {
                MESSAGE | CLOSED => return Poll::Ready(state),
                FINISHING => {
                    // The sender is a few instructions from publishing. Wait
                    // a moment; if it is still not done (descheduled), ask to
                    // be polled again rather than wait on it: a poll stays
                    // wait-free.
                    if may_wait {
                        spin.wait();
                    } else if !spin.try_wait() {
                        cx.waker().wake_by_ref();
                        return Poll::Pending;
                    }
                    state = self.state.load(Acquire);
                }
                _ => {
                    // EMPTY or WAITING: (re-)register, then re-check, so a
                    // send that races with us either finds the new waker or
                    // is seen here.
                    self.waiter.register(cx.waker());
                    if state == EMPTY {
                        // ORDERING: Release makes the registration visible to
                        // the sender's Acquire swap to FINISHING.
                        match self.state.compare_exchange(EMPTY, WAITING, AcqRel, Acquire) {
                            Ok(_) => return Poll::Pending,
                            Err(now) => state = now,
                        }
                    } else {
                        state = self.state.load(Acquire);
                        if state == WAITING {
                            return Poll::Pending;
                        }
                    }
                }
            }
        }
    }

    /// Whether the round is settled or settling (a message is there, the
    /// sender is gone, or it is finishing): a receiver that registered
    /// with [`poll_settled`](Self::poll_settled) and is woken should poll
    /// again.
    #[cfg(feature = "std")]
    pub(crate) fn is_settling(&self) -> bool {
        !matches!(self.state.load(Acquire), EMPTY | WAITING)
    }

    /// Blocks the thread until the message comes or `deadline` (`None`:
    /// never) passes; withdraws the waiter on timeout.
    ///
    /// # Safety
    ///
    /// As for [`poll_recv`](Self::poll_recv).
    #[cfg(feature = "std")]
    pub(crate) unsafe fn recv_until(
        &self,
        deadline: Option<std::time::Instant>,
    ) -> Result<T, crate::error::RecvTimeoutError> {
        use crate::error::RecvTimeoutError;
        // Published already (the common case of a receive after the send):
        // no waker, no wait.
        // SAFETY: forwarded contract.
        match unsafe { self.try_recv() } {
            Ok(msg) => return Ok(msg),
            Err(TryRecvError::Disconnected) => return Err(RecvTimeoutError::Disconnected),
            Err(TryRecvError::Empty) => {}
        }
        // Made under this call's contract, and lives for this call only.
        let mut op = BlockingRecv(self);
        match crate::wait::block::run(&mut op, deadline) {
            Ok(Ok(msg)) => Ok(msg),
            Ok(Err(RecvError)) => Err(RecvTimeoutError::Disconnected),
            Err(()) => Err(RecvTimeoutError::Timeout),
        }
    }

    /// Takes the message if it is there now; never waits.
    ///
    /// # Safety
    ///
    /// As for [`poll_recv`](Self::poll_recv).
    pub(crate) unsafe fn try_recv(&self) -> Result<T, TryRecvError> {
        // ORDERING: as in `poll_recv`.
        match self.state.load(Acquire) {
            // SAFETY: as in `poll_recv`.
            MESSAGE => Ok(unsafe { self.take_message(CLOSED) }),
            CLOSED => Err(TryRecvError::Disconnected),
            // FINISHING: the message (or the disconnect) is not published yet.
            _ => Err(TryRecvError::Empty),
        }
    }

    /// The heap receiver's consuming receive, when the message is there:
    /// takes it, leaving the core to the caller, which owns it then (the
    /// sender is gone) and frees it with [`free_taken`](Self::free_taken).
    /// The state still says `MESSAGE`: the core must not be dropped as it
    /// is (its drop would drop the message again). `None`: nothing to
    /// take yet.
    ///
    /// # Safety
    ///
    /// As for [`poll_recv`](Self::poll_recv); and if this returns the
    /// message, the caller makes no receiver-side call after it and frees
    /// the core with `free_taken`, with nothing in between.
    #[cfg(feature = "std")]
    #[inline(always)]
    pub(crate) unsafe fn take_last(&self) -> Option<T> {
        // ORDERING: as in `poll_recv`.
        if self.state.load(Acquire) != MESSAGE {
            return None;
        }
        Some(self.message.with_mut(|cell| {
            // SAFETY: MESSAGE means the cell is initialized and the receiver's; the sender is gone and will not touch it again.
            unsafe { (*cell).assume_init_read() }
        }))
    }

    /// Withdraws the waker a pending [`poll_recv`](Self::poll_recv) left:
    /// a blocking receive timed out, or a receive future was dropped. A send
    /// that already claimed it goes on.
    ///
    /// # Safety
    ///
    /// As for [`poll_recv`](Self::poll_recv).
    #[cfg(feature = "alloc")]
    pub(crate) unsafe fn cancel_recv(&self) {
        // ORDERING: nothing is published by this move; the slot orders its
        // own contents. The load spares the CAS when nothing is registered.
        if self.state.load(Relaxed) == WAITING
            && self
                .state
                .compare_exchange(WAITING, EMPTY, Relaxed, Relaxed)
                .is_ok()
        {
            drop(self.waiter.take());
        }
    }

    /// The receiver is dropped. If the sender is gone too, the caller owns
    /// the core (and a message left in it): `own` is called to free it, or
    /// to drop the message.
    ///
    /// A pointer, not `&self`, for the reason given at `finish`.
    ///
    /// The receiver's waker, taken out of the core here, is dropped last:
    /// after `own`, and while `own` unwinds too. A waker's drop is user code
    /// and may panic; run before `own`, it would skip it and leak the core
    /// with its message.
    ///
    /// # Safety
    ///
    /// `this` points to a live core. Called by the receiver half only, once,
    /// and no receiver-side method after it. Once this returns without
    /// calling `own`, the core may already be freed by the sender.
    #[inline(always)]
    pub(crate) unsafe fn close_receiver(this: *const Self, own: impl FnOnce()) {
        // ORDERING: Acquire pairs with the sender's Release of its last
        // state, so all it did to the core happened before we own it.
        // SAFETY: live (contract); a temporary reference, not kept.
        let state = unsafe { &*this }.state.load(Acquire);
        if matches!(state, MESSAGE | CLOSED) {
            // The sender is gone (the usual end, after a receive).
            own();
            return;
        }
        // SAFETY: forwarded contract (a pointer again, as for this function).
        unsafe { Self::close_receiver_slow(this, state, own) }
    }

    /// `close_receiver` while the sender may still be there: out of line,
    /// so that the usual end stays small.
    ///
    /// # Safety
    ///
    /// As for [`close_receiver`](Self::close_receiver), of which this is
    /// the rest; `state` was loaded there with Acquire.
    #[cold]
    #[inline(never)]
    unsafe fn close_receiver_slow(this: *const Self, mut state: u8, own: impl FnOnce()) {
        let mut spin = Spin::new();
        // Our waker has no more use: take it out rather than keep it alive
        // until the sender lets go. Declared before `own` runs, so dropped
        // after it, even on unwind.
        let mut waker = None;
        // A sender waiting for us to leave (module docs): told before the
        // move to CLOSED, woken after our last use of the core.
        // SAFETY: live (contract); a temporary reference, not kept.
        let closer = WakeOnDrop(unsafe { &*this }.leaving.begin());
        let owner = {
            // SAFETY: live (contract); this reference ends with the block, before `own` (which may free the core) runs.
            let this = unsafe { &*this };
            loop {
                match state {
                    MESSAGE | CLOSED => break true,
                    FINISHING => {
                        spin.wait();
                        state = this.state.load(Acquire);
                    }
                    _ => {
                        if state == WAITING {
                            // Before the move to CLOSED: after it, the
                            // sender may free the core.
                            waker = waker.or(this.waiter.take());
                        }
                        // ORDERING: Release: our last use of the core
                        // happens before the sender, seeing CLOSED, frees it.
                        match this.state.compare_exchange(state, CLOSED, AcqRel, Acquire) {
                            Ok(_) => break false,
                            Err(now) => state = now,
                        }
                    }
                }
            }
        };
        if owner {
            own();
        }
        drop(waker);
        drop(closer);
    }

    /// Whether the sender is gone without a message left to receive.
    pub(crate) fn is_sender_gone(&self) -> bool {
        self.state.load(Acquire) == CLOSED
    }

    /// Whether a message is waiting to be received.
    pub(crate) fn has_message(&self) -> bool {
        self.state.load(Acquire) == MESSAGE
    }

    /// Takes the message out and moves to `next`: `CLOSED` (the round is
    /// over) or `EMPTY` (a new round starts, for `Slot::take`).
    ///
    /// # Safety
    ///
    /// The state is `MESSAGE`, observed with Acquire by the receiver side.
    unsafe fn take_message(&self, next: u8) -> T {
        let msg = self.message.with_mut(|cell| {
            // SAFETY: MESSAGE means the cell is initialized and the receiver's; the sender is gone and will not touch it again.
            unsafe { (*cell).assume_init_read() }
        });
        // ORDERING: Release: our read of the cell happens before the next
        // round's sender, which may see EMPTY here, writes it again.
        self.state.store(next, Release);
        msg
    }

    // ----- the owner, between or outside the halves -----

    /// Takes the message if one is there, starting a new round (`EMPTY`);
    /// for a receiver side that has no half (`Slot::take`).
    ///
    /// # Safety
    ///
    /// No receiver half of this core exists, and no other receiver-side call
    /// runs concurrently.
    pub(crate) unsafe fn take_and_reopen(&self) -> Option<T> {
        // ORDERING: as in `poll_recv`.
        match self.state.load(Acquire) {
            // SAFETY: MESSAGE seen with Acquire; we are the only receiver side.
            MESSAGE => Some(unsafe { self.take_message(EMPTY) }),
            _ => None,
        }
    }

    /// Drops a message left in the core, at once.
    ///
    /// # Safety
    ///
    /// The caller owns the core: both halves are gone or finished, and none
    /// touches it concurrently.
    pub(crate) unsafe fn drop_message(&self) {
        // ORDERING: the caller's ownership already orders the halves' moves
        // before this (it observed their last state with Acquire).
        if self.state.load(Relaxed) == MESSAGE {
            // Moved out first, so a panicking `Drop` leaves no message behind.
            self.state.store(CLOSED, Relaxed);
            self.message.with_mut(|cell| {
                // SAFETY: the state was MESSAGE, so the cell is initialized; the state now says otherwise, so it is read out once.
                drop(unsafe { (*cell).assume_init_read() })
            });
        }
    }

    /// Starts a new round: drops a message left in the core and moves to
    /// `EMPTY`. A stale waker stays in the slot until the next poll
    /// replaces it (or keeps it, if it wakes the same task).
    ///
    /// # Safety
    ///
    /// As for [`drop_message`](Self::drop_message).
    pub(crate) unsafe fn reopen(&self) {
        // SAFETY: forwarded contract.
        unsafe { self.drop_message() };
        self.leaving.reset();
        // ORDERING: Release, so a next-round sender that observes EMPTY
        // also sees the cell emptied here.
        self.state.store(EMPTY, Release);
    }

    /// Whether the sender side is gone and finished (its message received,
    /// or it dropped unsent): the round is over.
    #[cfg(feature = "alloc")]
    pub(crate) fn is_round_over(&self) -> bool {
        self.state.load(Acquire) == CLOSED
    }
}

/// The heap oneshot's sender waiting for the receiver to leave (module
/// docs).
#[cfg(feature = "alloc")]
impl<T> Core<T, Closer> {
    /// Whether the receiver is gone (`CLOSED`): the wait is over.
    fn receiver_left(&self) -> bool {
        self.is_receiver_gone()
    }

    /// One poll of the sender's wait for the receiver to leave: `Ready`
    /// once it has (`CLOSED`), else `Pending` with `cx`'s waker registered
    /// in the closer slot. A receiver whose drop has begun (`leaving`) may
    /// have taken the slot before this registration: it is a few
    /// instructions from `CLOSED`, so the poll spins briefly for it, and
    /// then wakes its own waker to be polled again (wait-free, as a
    /// receive that meets `FINISHING`).
    ///
    /// # Safety
    ///
    /// Called by the sender half only, never concurrently with another
    /// sender-side call (the slot has one registrant).
    pub(crate) unsafe fn poll_closed(&self, cx: &mut Context<'_>) -> Poll<()> {
        if self.receiver_left() {
            return Poll::Ready(());
        }
        self.leaving.slot.register(cx.waker());
        // ORDERING: Acquire pairs with the Release of the slot's take,
        // before which the receiver set `leaving` (module docs).
        if self.leaving.leaving.load(Acquire) == 0 {
            // Not leaving yet: the receiver's take will find our waker.
            return if self.receiver_left() {
                Poll::Ready(())
            } else {
                Poll::Pending
            };
        }
        let mut spin = Spin::new();
        loop {
            if self.receiver_left() {
                return Poll::Ready(());
            }
            if !spin.try_wait() {
                cx.waker().wake_by_ref();
                return Poll::Pending;
            }
        }
    }

    /// Withdraws the waker a pending [`poll_closed`](Self::poll_closed)
    /// left (its future was dropped, or its deadline passed).
    ///
    /// # Safety
    ///
    /// As for [`poll_closed`](Self::poll_closed).
    pub(crate) unsafe fn cancel_closed(&self) {
        drop(self.leaving.slot.take());
    }

    /// Blocks the thread until the receiver leaves (`true`) or `deadline`
    /// (`None`: never) passes (`false`); withdraws the waker on timeout.
    ///
    /// # Safety
    ///
    /// As for [`poll_closed`](Self::poll_closed).
    #[cfg(feature = "std")]
    pub(crate) unsafe fn closed_until(&self, deadline: Option<std::time::Instant>) -> bool {
        if self.receiver_left() {
            return true;
        }
        // Made under this call's contract, and lives for this call only.
        crate::wait::block::run(&mut BlockingClosed(self), deadline).is_ok()
    }
}

/// Wakes the waker it holds when dropped: after the rest of the receiver's
/// drop, also while it unwinds (a sender waiting for it is never left
/// asleep).
struct WakeOnDrop(Option<core::task::Waker>);

impl Drop for WakeOnDrop {
    fn drop(&mut self) {
        if let Some(waker) = self.0.take() {
            waker.wake();
        }
    }
}

impl<T, L> Drop for Core<T, L> {
    fn drop(&mut self) {
        // `&mut self`: both halves are gone, nothing races with us.
        if self.state.load(Relaxed) == MESSAGE {
            self.message.with_mut(|cell| {
                // SAFETY: MESSAGE means the cell is initialized, and it is dropped once, here, as the core goes.
                unsafe { (*cell).assume_init_drop() }
            });
        }
    }
}

/// A blocking receive on a core, made only by
/// [`closed_until`](Core::closed_until)'s op, under its contract (the
/// caller is the core's sender, for the whole life of the op).
#[cfg(all(feature = "std", feature = "alloc"))]
struct BlockingClosed<'a, T>(&'a Core<T, Closer>);

#[cfg(feature = "std")]
impl<T> crate::wait::block::Op for BlockingClosed<'_, T> {
    type Output = ();
    type TimedOut = ();

    fn try_now(&mut self) -> Poll<()> {
        if self.0.receiver_left() {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }

    fn poll(&mut self, cx: &mut Context<'_>, _tried: bool) -> Poll<()> {
        // SAFETY: the op is made under `closed_until`'s contract.
        unsafe { self.0.poll_closed(cx) }
    }

    fn cancel(&mut self) -> Result<(), ()> {
        self.abandon();
        // It may have left meanwhile: then the wait is over after all.
        if self.0.receiver_left() {
            Ok(())
        } else {
            Err(())
        }
    }

    fn abandon(&mut self) {
        // SAFETY: as in `poll`.
        unsafe { self.0.cancel_closed() }
    }
}

/// [`recv_until`](Core::recv_until), under its contract (the caller is the
/// core's receiver, for the whole life of the op).
#[cfg(feature = "std")]
struct BlockingRecv<'a, T, L>(&'a Core<T, L>);

#[cfg(feature = "std")]
impl<T, L: Leaving> crate::wait::block::Op for BlockingRecv<'_, T, L> {
    type Output = Result<T, RecvError>;
    type TimedOut = ();

    fn try_now(&mut self) -> Poll<Result<T, RecvError>> {
        // SAFETY: the op is made under `recv_until`'s contract, which `try_recv` shares.
        match unsafe { self.0.try_recv() } {
            Ok(msg) => Poll::Ready(Ok(msg)),
            Err(TryRecvError::Disconnected) => Poll::Ready(Err(RecvError)),
            Err(TryRecvError::Empty) => Poll::Pending,
        }
    }

    fn poll(&mut self, cx: &mut Context<'_>, _tried: bool) -> Poll<Result<T, RecvError>> {
        // SAFETY: as in `try_now`.
        unsafe { self.0.poll_recv_with(cx, true) }
    }

    fn cancel(&mut self) -> Result<Result<T, RecvError>, ()> {
        // A send that already claimed the waiter goes on: its message
        // stays for the next receive.
        self.abandon();
        Err(())
    }

    fn abandon(&mut self) {
        // SAFETY: as in `try_now`.
        unsafe { self.0.cancel_recv() }
    }
}
