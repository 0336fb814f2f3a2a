//! The `Stream` adapter of a broadcast receiver (the `futures` feature).

use core::fmt;
use core::pin::Pin;
use core::task::{Context, Poll};

use super::{Receiver, RecvError};
use crate::queue::recv::RecvOp;

impl<T: Clone> Receiver<T> {
    /// A [`Stream`](futures_core::Stream) of the messages, borrowing the
    /// receiver. Each item is `Ok(msg)`, or `Err(RecvError::Lagged(n))`
    /// where the receiver missed `n` overwritten messages (lagging
    /// channels); the stream ends (and never yields `Disconnected`) when
    /// the channel is closed and this receiver has read everything.
    ///
    /// # Cancel safety
    ///
    /// Dropping the stream, or a `next()` future of it, never loses a
    /// message: the receiver's position moves only in the poll that
    /// returns an item.
    ///
    /// # Examples
    ///
    /// ```
    /// use futures::StreamExt;
    ///
    /// # pollster::block_on(async {
    /// let (tx, mut rx) = tidings::broadcast::channel(4);
    /// tx.send(1).unwrap();
    /// tx.send(2).unwrap();
    /// drop(tx);
    /// let items: Vec<_> = rx.stream().collect().await;
    /// assert_eq!(items, [Ok(1), Ok(2)]);
    /// # });
    /// ```
    pub fn stream(&mut self) -> RecvStream<'_, T> {
        RecvStream {
            rx: self,
            op: RecvOp::new(),
        }
    }
}

/// A [`Stream`](futures_core::Stream) of a broadcast receiver's messages;
/// see [`Receiver::stream`].
///
/// # Cancel safety
///
/// Dropping it never loses a message.
#[must_use = "streams do nothing unless polled"]
pub struct RecvStream<'a, T> {
    rx: &'a mut Receiver<T>,
    op: RecvOp<T>,
}

impl<T: Clone> futures_core::Stream for RecvStream<'_, T> {
    type Item = Result<T, RecvError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        let rx = &mut *this.rx;
        // Every outcome is an item (a message, or a lag) but the end.
        this.op.poll_next(
            |entry| rx.chan.poll_recv(cx, &mut rx.at, entry, false),
            |got| match got {
                Err(RecvError::Disconnected) => None,
                item => Some(item),
            },
        )
    }
}

impl<T: Clone> futures_core::FusedStream for RecvStream<'_, T> {
    fn is_terminated(&self) -> bool {
        self.op.is_done()
    }
}

impl<T> Drop for RecvStream<'_, T> {
    fn drop(&mut self) {
        let chan = &*self.rx.chan;
        self.op.cancel(|entry| chan.cancel_recv(entry));
    }
}

impl<T> fmt::Debug for RecvStream<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecvStream")
            .field("op", &self.op)
            .finish_non_exhaustive()
    }
}
