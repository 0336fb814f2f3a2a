//! `Claim`: one waiting operation listed on several channels at once, and
//! claimed by exactly one of them.
//!
//! A wait on several channels (a select) leaves one entry in each of
//! their wait lists; every entry points at the same [`Claim`], with its
//! own index. A channel that pops such an entry, under its own lock, must
//! win the claim through it *before* it does anything that cannot be
//! undone (takes a waiting sender's message, hands a message over, or
//! tells a receiver to look again). Only the first channel wins; every
//! other channel finds the claim decided, leaves that entry alone (its
//! message, if it holds one, stays with its owner) and goes on to its
//! next waiter, as if the entry had not been there.
//!
//! # Protocol
//!
//! The claim's `state`, one `AtomicUsize`:
//!
//! | state     | meaning | moved to it by |
//! |-----------|---------|----------------|
//! | `OPEN`    | every entry may still be claimed | (made so) |
//! | `WON + i` | entry `i` was claimed: its channel completes the operation through it | a notifier, under the lock of entry `i`'s channel |
//! | `GAVE_UP` | the owner gave up (cancelled, timed out): no entry may be claimed | the owner, without a lock |
//!
//! `OPEN` is left exactly once, by a compare-and-swap, so exactly one of
//! the racing channels and the owner decides. The notifier's swap is
//! `AcqRel`: what it did under its lock before (and, through that lock,
//! what earlier holders did) is visible to the owner that reads the claim
//! with Acquire.
//!
//! The owner's waker lives in the claim's [`WakerSlot`], not in the
//! entries: the winning channel takes it (after recording the outcome in
//! the entry, the `WakerSlot` protocol) and wakes it after unlocking. The
//! owner holds the claim through a [`Group`], which empties the slot before
//! letting go, so a last reference dropped by a channel under its lock
//! runs no user code.
//!
//! Once the claim is decided, the owner takes every other entry off its
//! list (under that channel's lock); an entry that a losing channel had
//! already popped is marked as passed over, and its message is the
//! owner's again.

use core::task::Waker;

use crate::loom::atomic::{AtomicUsize, Ordering::*};
use crate::loom::sync::Arc;
use crate::wait::waker_slot::WakerSlot;

const OPEN: usize = 0;
const GAVE_UP: usize = usize::MAX;
/// `WON + i`: entry `i` won (so `i < GAVE_UP - WON`).
const WON: usize = 1;

/// How a claim was decided, as its owner reads it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Decided {
    /// Not yet: every entry may still be claimed.
    Open,
    /// A channel claimed entry `i`.
    Won(usize),
    /// The owner gave up.
    GaveUp,
}

/// What the entries of one waiting operation share. See the module docs.
pub(crate) struct Claim {
    state: AtomicUsize,
    waker: WakerSlot,
}

impl Claim {
    /// A notifier, under the lock of the channel whose list held entry
    /// `index`: wins the claim through that entry, or finds it decided.
    #[must_use = "only the winner may complete the operation"]
    pub(crate) fn try_win(&self, index: usize) -> bool {
        debug_assert!(index < GAVE_UP - WON);
        // ORDERING: AcqRel: Release publishes to the owner what this lock
        // holder saw; Acquire (on both outcomes) keeps the decision ordered
        // before what the notifier does next.
        self.state
            .compare_exchange(OPEN, WON + index, AcqRel, Acquire)
            .is_ok()
    }

    /// The winner's wake: the owner's waker, taken after the winner
    /// recorded the outcome in its entry; wake it after unlocking.
    pub(crate) fn take_waker(&self) -> Option<Waker> {
        self.waker.take()
    }

    /// Whether the claim was decided (won, or given up), as a notifier
    /// under its lock sees it: a decided claim stays decided.
    #[cfg_attr(not(feature = "std"), allow(dead_code))] // the select (std) uses it
    pub(crate) fn is_decided(&self) -> bool {
        self.state.load(Acquire) != OPEN
    }

    fn decided(state: usize) -> Decided {
        match state {
            OPEN => Decided::Open,
            GAVE_UP => Decided::GaveUp,
            won => Decided::Won(won - WON),
        }
    }
}

impl core::fmt::Debug for Claim {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Claim")
            .field("state", &Self::decided(self.state.load(Relaxed)))
            .finish_non_exhaustive()
    }
}

/// The owner's handle to its claim (a select's, say), shared with its
/// entries. Dropping it empties the claim's waker slot: see the module docs.
pub(crate) struct Group(Arc<Claim>);

#[cfg_attr(not(feature = "std"), allow(dead_code))] // the select (std) uses it
impl Group {
    /// An open claim, registered to wake `waker`.
    pub(crate) fn new(waker: &Waker) -> Self {
        let claim = Arc::new(Claim {
            state: AtomicUsize::new(OPEN),
            waker: WakerSlot::new(),
        });
        claim.waker.register(waker);
        Self(claim)
    }

    /// A reference for an entry.
    pub(crate) fn share(&self) -> Arc<Claim> {
        self.0.clone()
    }

    /// Whether `claim` is this group's (an entry of the same wait).
    pub(crate) fn owns(&self, claim: &Claim) -> bool {
        core::ptr::eq(&*self.0, claim)
    }

    /// How the claim stands. (Acquire pairs with the winner's swap. The
    /// winner records the outcome in its entry right after the swap, under
    /// its lock: a `Won(i)` read here may come before that, and the entry's
    /// own state says when it is done.)
    pub(crate) fn decided(&self) -> Decided {
        Claim::decided(self.0.state.load(Acquire))
    }

    /// The owner, polled again: leaves `waker` to be woken and returns the
    /// claim read after that (`Open`: sleep).
    pub(crate) fn reregister(&self, waker: &Waker) -> Decided {
        self.0.waker.register(waker);
        self.decided()
    }

    /// The owner gives up: no entry may be claimed from now on. Returns
    /// how the claim was decided: `GaveUp` by this call (or an earlier
    /// one), or `Won(i)` if a channel claimed entry `i` first (its
    /// operation completed, or is completing under that channel's lock).
    pub(crate) fn give_up(&self) -> Decided {
        // ORDERING: Acquire, as `decided`, for a winner's outcome.
        match self
            .0
            .state
            .compare_exchange(OPEN, GAVE_UP, Acquire, Acquire)
        {
            Ok(_) => Decided::GaveUp,
            Err(state) => Claim::decided(state),
        }
    }
}

impl Drop for Group {
    fn drop(&mut self) {
        // A waker's drop is user code: here, outside every lock.
        drop(self.0.waker.take());
    }
}

impl core::fmt::Debug for Group {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        self.0.fmt(f)
    }
}
