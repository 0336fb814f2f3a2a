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
            rx: Handle::Borrowed(self),
            op: RecvOp::new(),
        }
    }

    /// [`stream`](Self::stream), owning the receiver: a `'static` stream
    /// that can be spawned or stored. Its items, lags included, are
    /// [`stream`](Self::stream)'s.
    ///
    /// # Cancel safety
    ///
    /// As for [`stream`](Self::stream).
    ///
    /// # Examples
    ///
    /// ```
    /// use futures::StreamExt;
    /// use tidings::broadcast::RecvError;
    ///
    /// let (tx, rx) = tidings::broadcast::lagging(2);
    /// for i in 0..4 {
    ///     tx.send(i).unwrap();
    /// }
    /// drop(tx);
    /// let reader = std::thread::spawn(move || pollster::block_on(rx.into_stream().collect::<Vec<_>>()));
    /// // A lagging receiver learns what it missed.
    /// assert_eq!(reader.join().unwrap(), [Err(RecvError::Lagged(2)), Ok(2), Ok(3)]);
    /// ```
    pub fn into_stream(self) -> RecvStream<'static, T> {
        RecvStream {
            rx: Handle::Owned(self),
            op: RecvOp::new(),
        }
    }
}

/// A borrowed or owned receiver.
enum Handle<'a, T> {
    Borrowed(&'a mut Receiver<T>),
    Owned(Receiver<T>),
}

impl<T> Handle<'_, T> {
    fn get(&mut self) -> &mut Receiver<T> {
        match self {
            Self::Borrowed(rx) => rx,
            Self::Owned(rx) => rx,
        }
    }
}

/// A [`Stream`](futures_core::Stream) of a broadcast receiver's messages;
/// see [`Receiver::stream`] and [`Receiver::into_stream`].
///
/// # Cancel safety
///
/// Dropping it never loses a message.
#[must_use = "streams do nothing unless polled"]
pub struct RecvStream<'a, T> {
    rx: Handle<'a, T>,
    op: RecvOp<T>,
}

// The receiver (and a message it keeps) is never pinned: the stream only
// reaches it through `&mut`.
impl<T> Unpin for RecvStream<'_, T> {}

impl<T: Clone> futures_core::Stream for RecvStream<'_, T> {
    type Item = Result<T, RecvError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        let rx = this.rx.get();
        // Every outcome is an item (a message, or a lag) but the end.
        this.op.poll_next(
            |entry| rx.chan.poll_recv(cx, rx.at.get_mut(), entry, false),
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
        let chan = &*self.rx.get().chan;
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
