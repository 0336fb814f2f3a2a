//! The unbounded flavor's buffer: a list of fixed-size blocks.
//!
//! Messages go into blocks of [`BLOCK`] slots, one allocation per block;
//! a push never moves the messages already queued (unlike a growing
//! vector, a burst costs one allocation per `BLOCK` messages and no
//! copying). A block is released as soon as its last message is popped,
//! keeping at most one empty block as a spare, and the list of blocks
//! shrinks as it empties, so the memory taken by a burst is given back once
//! the burst is drained, and a channel that hovers
//! around a block boundary does not allocate on every message.

use alloc::collections::VecDeque;

/// Messages per block.
pub(crate) const BLOCK: usize = 32;

/// Room for this many blocks in the list is kept when it shrinks.
const MIN_LIST: usize = 8;

/// Any number of messages, first in first out.
#[derive(Debug)]
pub(crate) struct Blocks<T> {
    /// Full blocks and the one being filled (the last). Each block is a
    /// `VecDeque` made with room for `BLOCK` messages and never grown.
    blocks: VecDeque<VecDeque<T>>,
    /// One empty block kept for the next push that needs a block.
    spare: Option<VecDeque<T>>,
    len: usize,
}

impl<T> Blocks<T> {
    /// An empty list; it allocates nothing until the first push.
    pub(crate) fn new() -> Self {
        Self {
            blocks: VecDeque::new(),
            spare: None,
            len: 0,
        }
    }

    #[inline]
    pub(crate) fn push(&mut self, msg: T) {
        match self.blocks.back_mut() {
            Some(block) if block.len() < BLOCK => block.push_back(msg),
            _ => {
                let mut block = self.empty_block();
                block.push_back(msg);
                self.blocks.push_back(block);
            }
        }
        self.len += 1;
    }

    /// Puts a message back at the front: a message a receiver took and
    /// could not hand over (`Chan::put_back`).
    pub(crate) fn push_front(&mut self, msg: T) {
        match self.blocks.front_mut() {
            Some(block) if block.len() < BLOCK => block.push_front(msg),
            _ => {
                let mut block = self.empty_block();
                block.push_front(msg);
                self.blocks.push_front(block);
            }
        }
        self.len += 1;
    }

    /// The spare block, or a new one.
    fn empty_block(&mut self) -> VecDeque<T> {
        self.spare
            .take()
            .unwrap_or_else(|| VecDeque::with_capacity(BLOCK))
    }

    #[inline(always)]
    pub(crate) fn pop(&mut self) -> Option<T> {
        let front = self.blocks.front_mut()?;
        let msg = front.pop_front()?;
        self.len -= 1;
        if front.is_empty() {
            self.release_front();
        }
        Some(msg)
    }

    /// Releases the drained front block: kept as the spare if there is
    /// none (so a channel in steady use reuses one block), freed otherwise.
    /// Out of line (once per block), so that `pop` stays small enough to
    /// inline into every receive.
    #[inline(never)]
    fn release_front(&mut self) {
        let block = self.blocks.pop_front().expect("front exists");
        if self.spare.is_none() {
            self.spare = Some(block);
        }
        // The list of blocks itself shrinks too, once mostly empty
        // (halving keeps this amortized O(1) per message).
        let room = self.blocks.capacity();
        if room > MIN_LIST && self.blocks.len() < room / 4 {
            self.blocks.shrink_to(room / 2);
        }
    }

    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Moves every message out (in their blocks), leaving the list empty.
    pub(crate) fn take_all(&mut self) -> VecDeque<VecDeque<T>> {
        self.len = 0;
        self.spare = None;
        core::mem::take(&mut self.blocks)
    }
}
