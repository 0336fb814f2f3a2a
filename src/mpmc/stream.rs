//! `Stream` and `Sink` adapters (the `futures` feature).

use core::fmt;
use core::ops::Deref;
use core::pin::Pin;
use core::task::{Context, Poll};

use super::{Receiver, Sender};
use crate::error::{SendError, TrySendError};
use crate::queue::recv::RecvOp;
use crate::queue::send::SendOp;

/// A borrowed or owned handle.
enum Handle<'a, H> {
    Borrowed(&'a H),
    Owned(H),
}

impl<H> Deref for Handle<'_, H> {
    type Target = H;

    fn deref(&self) -> &H {
        match self {
            Self::Borrowed(handle) => handle,
            Self::Owned(handle) => handle,
        }
    }
}

impl<T> Receiver<T> {
    /// A [`Stream`](futures_core::Stream) of the messages, borrowing the
    /// receiver; it ends when the channel is closed and drained.
    ///
    /// # Cancel safety
    ///
    /// Dropping the stream, or a `next()` future of it, never loses a
    /// message: a message leaves the channel only in the poll that returns
    /// it. The stream keeps its place among the waiting receivers between
    /// polls (dropping a `next()` future does not withdraw it; dropping
    /// the stream does, passing on a wake it received). A stream that is
    /// woken and polled again later takes what is ready then; other
    /// receivers polled meanwhile may take it first.
    ///
    /// # Examples
    ///
    /// ```
    /// use futures::StreamExt;
    ///
    /// # pollster::block_on(async {
    /// let (tx, rx) = tidings::mpmc::unbounded();
    /// tx.send(1).unwrap();
    /// tx.send(2).unwrap();
    /// drop(tx);
    /// assert_eq!(rx.stream().collect::<Vec<_>>().await, [1, 2]);
    /// # });
    /// ```
    pub fn stream(&self) -> RecvStream<'_, T> {
        RecvStream::new(Handle::Borrowed(self))
    }

    /// Like [`stream`](Self::stream), owning the receiver.
    ///
    /// # Cancel safety
    ///
    /// As for [`stream`](Self::stream).
    ///
    /// # Examples
    ///
    /// ```
    /// use futures::StreamExt;
    ///
    /// # pollster::block_on(async {
    /// let (tx, rx) = tidings::mpmc::bounded(4);
    /// std::thread::spawn(move || (0..3).for_each(|i| tx.send(i).unwrap()));
    /// let total: i32 = rx.into_stream().fold(0, |a, b| async move { a + b }).await;
    /// assert_eq!(total, 3);
    /// # });
    /// ```
    pub fn into_stream(self) -> RecvStream<'static, T> {
        RecvStream::new(Handle::Owned(self))
    }
}

impl<T> Sender<T> {
    /// A [`Sink`](futures_sink::Sink) into the channel, borrowing the
    /// sender. Its error is [`SendError`], with the message that could not
    /// be sent.
    ///
    /// # Cancel safety
    ///
    /// A message given to `start_send` is sent by the next `poll_ready`,
    /// `poll_flush` or `poll_close`; if the sink is dropped first, it is
    /// delivered or dropped, never both (as for
    /// [`send_async`](Sender::send_async)).
    ///
    /// # Examples
    ///
    /// ```
    /// use futures::SinkExt;
    ///
    /// # pollster::block_on(async {
    /// let (tx, rx) = tidings::mpmc::bounded(1);
    /// let mut sink = tx.sink();
    /// sink.send(1).await.unwrap();
    /// assert_eq!(rx.recv_async().await, Ok(1));
    /// # });
    /// ```
    pub fn sink(&self) -> SendSink<'_, T> {
        SendSink::new(Handle::Borrowed(self))
    }

    /// Like [`sink`](Self::sink), owning the sender.
    ///
    /// # Cancel safety
    ///
    /// As for [`sink`](Self::sink).
    ///
    /// # Examples
    ///
    /// ```
    /// use futures::{SinkExt, StreamExt};
    ///
    /// # pollster::block_on(async {
    /// let (tx, rx) = tidings::mpmc::bounded(4);
    /// let mut sink = tx.into_sink();
    /// sink.send_all(&mut futures::stream::iter([1, 2, 3]).map(Ok)).await.unwrap();
    /// drop(sink);
    /// assert_eq!(rx.iter().collect::<Vec<_>>(), [1, 2, 3]);
    /// # });
    /// ```
    pub fn into_sink(self) -> SendSink<'static, T> {
        SendSink::new(Handle::Owned(self))
    }
}

/// A [`Stream`](futures_core::Stream) of a receiver's messages; see
/// [`Receiver::stream`].
///
/// # Cancel safety
///
/// Dropping it never loses a message; see [`Receiver::stream`].
#[must_use = "streams do nothing unless polled"]
pub struct RecvStream<'a, T> {
    receiver: Handle<'a, Receiver<T>>,
    op: RecvOp<T>,
}

impl<'a, T> RecvStream<'a, T> {
    fn new(receiver: Handle<'a, Receiver<T>>) -> Self {
        Self {
            receiver,
            op: RecvOp::new(),
        }
    }
}

impl<T> futures_core::Stream for RecvStream<'_, T> {
    type Item = T;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let this = self.get_mut();
        let chan = &*this.receiver.chan;
        // An item, or `None`: the channel is closed and drained.
        this.op
            .poll_next(|entry| chan.poll_recv(cx, entry, false, false), |msg| msg)
    }
}

impl<T> futures_core::FusedStream for RecvStream<'_, T> {
    fn is_terminated(&self) -> bool {
        self.op.is_done()
    }
}

impl<T> Drop for RecvStream<'_, T> {
    fn drop(&mut self) {
        let chan = &*self.receiver.chan;
        self.op.cancel(|entry| {
            let handed = chan.cancel_recv(entry);
            debug_assert!(handed.is_none(), "streams accept no hand-off");
        });
    }
}

impl<T> fmt::Debug for RecvStream<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecvStream")
            .field("op", &self.op)
            .finish_non_exhaustive()
    }
}

/// A [`Sink`](futures_sink::Sink) into a channel; see [`Sender::sink`].
///
/// # Cancel safety
///
/// A message it was given and has not sent yet is, when it is dropped,
/// either delivered or dropped, never both; see [`Sender::sink`].
#[must_use = "sinks do nothing unless polled"]
pub struct SendSink<'a, T> {
    sender: Handle<'a, Sender<T>>,
    /// The send of a message given to `start_send` that could not go at
    /// once (done while there is none).
    op: SendOp<T>,
}

// The message is never pinned.
impl<T> Unpin for SendSink<'_, T> {}

impl<'a, T> SendSink<'a, T> {
    fn new(sender: Handle<'a, Sender<T>>) -> Self {
        Self {
            sender,
            op: SendOp::done(),
        }
    }

    /// Drives the pending message, if any, into the channel.
    fn poll_pending(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), SendError<T>>> {
        if self.op.is_done() {
            return Poll::Ready(Ok(()));
        }
        let chan = &*self.sender.chan;
        self.op
            .poll(chan, cx, false)
            .map(|sent| sent.map_err(SendError))
    }
}

impl<T> futures_sink::Sink<T> for SendSink<'_, T> {
    type Error = SendError<T>;

    fn poll_ready(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.get_mut().poll_pending(cx)
    }

    fn start_send(self: Pin<&mut Self>, msg: T) -> Result<(), Self::Error> {
        let this = self.get_mut();
        assert!(this.op.is_done(), "start_send called without poll_ready");
        match this.sender.try_send(msg) {
            Ok(()) => Ok(()),
            Err(TrySendError::Disconnected(msg)) => Err(SendError(msg)),
            Err(TrySendError::Full(msg)) => {
                this.op = SendOp::new(msg);
                Ok(())
            }
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.get_mut().poll_pending(cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.get_mut().poll_pending(cx)
    }
}

impl<T> Drop for SendSink<'_, T> {
    fn drop(&mut self) {
        // An undelivered message is dropped here, outside the lock.
        drop(self.op.cancel(&*self.sender.chan));
    }
}

impl<T> fmt::Debug for SendSink<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SendSink")
            .field("pending", &!self.op.is_done())
            .finish_non_exhaustive()
    }
}
