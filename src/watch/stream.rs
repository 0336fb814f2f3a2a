//! The `Stream` adapter of a watch receiver (the `futures` feature).

use core::fmt;
use core::pin::Pin;
use core::task::{Context, Poll};

use super::shared::{List, Shared, Waits};
use super::{changed_or_closed, look, Receiver};
use crate::queue::until::Wait;

impl<T: Clone> Receiver<T> {
    /// A [`Stream`](futures_core::Stream) of the values, borrowing the
    /// receiver: a clone of the current value first, then a clone of the
    /// value after each change (many changes between two polls are one
    /// item: the latest value), each marked seen; it ends once the last
    /// sender is gone and the current value is seen. (tokio-stream's
    /// `WatchStream`.)
    ///
    /// # Cancel safety
    ///
    /// Dropping the stream, or a `next()` future of it, loses no change: a
    /// value is marked seen only in the poll that returns it.
    ///
    /// # Examples
    ///
    /// ```
    /// use futures::StreamExt;
    ///
    /// # pollster::block_on(async {
    /// let (tx, mut rx) = tidings::watch::channel(0);
    /// let mut values = rx.stream();
    /// assert_eq!(values.next().await, Some(0));
    /// tx.send(1).unwrap();
    /// tx.send(2).unwrap();
    /// assert_eq!(values.next().await, Some(2));
    /// drop(tx);
    /// assert_eq!(values.next().await, None);
    /// # });
    /// ```
    pub fn stream(&mut self) -> ValueStream<'_, T> {
        ValueStream {
            shared: &self.shared,
            wait: Wait::new(self.shared.place(List::Changed, &self.spare)),
            seen: &mut self.seen,
            first: true,
        }
    }
}

/// A [`Stream`](futures_core::Stream) of a watch receiver's values; see
/// [`Receiver::stream`].
///
/// # Cancel safety
///
/// Dropping it loses no change.
#[must_use = "streams do nothing unless polled"]
pub struct ValueStream<'a, T> {
    shared: &'a Shared<T>,
    wait: Wait<'a, Waits>,
    seen: &'a mut usize,
    /// The current value is still to come, changed or not.
    first: bool,
}

impl<T: Clone> futures_core::Stream for ValueStream<'_, T> {
    type Item = T;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let Self {
            shared,
            wait,
            seen,
            first,
        } = self.get_mut();
        let (shared, Wait { place, op }) = (*shared, wait);
        if *first {
            // The clone first: a value is marked seen (and the first one
            // given) only if it is returned.
            let (value, version) = look(shared);
            let item = T::clone(&value);
            (*first, **seen) = (false, version);
            return Poll::Ready(Some(item));
        }
        let at = **seen;
        op.poll_next(
            |entry| place.poll(cx, entry, |_| changed_or_closed(shared.version(), at)),
            |()| {
                // A change (marked seen once its value is cloned), or the end.
                let (value, version) = look(shared);
                (version != **seen).then(|| {
                    let item = T::clone(&value);
                    **seen = version;
                    item
                })
            },
        )
    }
}

impl<T: Clone> futures_core::FusedStream for ValueStream<'_, T> {
    fn is_terminated(&self) -> bool {
        self.wait.op.is_done()
    }
}

super::debug_wait!(ValueStream<T>);
