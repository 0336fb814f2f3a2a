//! The `Stream` adapter of a broadcast receiver (the `futures` feature).

use crate::loom::sync::Arc;
use core::fmt;
use core::pin::Pin;
use core::task::{Context, Poll};

use super::{Receiver, RecvError};
use crate::queue::waitlist::Entry;

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
            entry: None,
            done: false,
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
    entry: Option<Arc<Entry<T>>>,
    done: bool,
}

impl<T: Clone> futures_core::Stream for RecvStream<'_, T> {
    type Item = Result<T, RecvError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.done {
            return Poll::Ready(None);
        }
        let got = this
            .rx
            .chan
            .poll_recv(cx, &mut this.rx.at, &mut this.entry, false);
        got.map(|got| match got {
            Err(RecvError::Disconnected) => {
                this.done = true;
                None
            }
            item => Some(item),
        })
    }
}

impl<T: Clone> futures_core::FusedStream for RecvStream<'_, T> {
    fn is_terminated(&self) -> bool {
        self.done
    }
}

impl<T> Drop for RecvStream<'_, T> {
    fn drop(&mut self) {
        if let Some(entry) = self.entry.take() {
            self.rx.chan.cancel_recv(entry);
        }
    }
}

impl<T> fmt::Debug for RecvStream<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecvStream")
            .field("waiting", &self.entry.is_some())
            .field("done", &self.done)
            .finish()
    }
}
