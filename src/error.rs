//! The error types shared by every channel kind.
//!
//! One vocabulary for the whole crate, std's and crossbeam's: a channel is
//! *disconnected* when the other side is gone. Every failed send hands the
//! message back. Every error is `Debug` (without needing `T: Debug`),
//! `Display` (a lower-case sentence) and [`core::error::Error`] for every
//! `T`. They are re-exported at the crate root.
//!
//! ```
//! use tidings::{oneshot, SendError};
//!
//! let (tx, rx) = oneshot::channel::<String>();
//! drop(rx);
//! let SendError(msg) = tx.send("kept".to_string()).unwrap_err();
//! assert_eq!(msg, "kept");
//! assert_eq!(SendError(()).to_string(), "sending on a disconnected channel");
//! ```

use core::fmt;

/// A send failed because every receiver is gone. The message comes back.
///
/// # Examples
///
/// ```
/// use tidings::{oneshot, SendError};
///
/// let (tx, rx) = oneshot::channel();
/// drop(rx);
/// assert_eq!(tx.send(7), Err(SendError(7)));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct SendError<T>(pub T);

/// A `try_send` failed: the channel is full, or every receiver is gone.
///
/// # Examples
///
/// ```
/// use tidings::TrySendError;
///
/// let err = TrySendError::Full(3);
/// assert!(err.is_full());
/// assert_eq!(err.into_inner(), 3);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub enum TrySendError<T> {
    /// The channel has no room now; the message comes back.
    Full(T),
    /// Every receiver is gone; the message comes back.
    Disconnected(T),
}

/// A `send_timeout` or `send_deadline` failed: no room in time, or every
/// receiver is gone.
///
/// # Examples
///
/// ```
/// use tidings::SendTimeoutError;
///
/// let err = SendTimeoutError::Timeout("late");
/// assert!(err.is_timeout());
/// assert_eq!(err.into_inner(), "late");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub enum SendTimeoutError<T> {
    /// No room came before the deadline; the message comes back.
    Timeout(T),
    /// Every receiver is gone; the message comes back.
    Disconnected(T),
}

/// A receive failed: every sender is gone and nothing is left to receive.
///
/// For a oneshot channel: the sender was dropped without sending, or the
/// message has already been received.
///
/// # Examples
///
/// ```
/// use tidings::{oneshot, RecvError};
///
/// let (tx, rx) = oneshot::channel::<u8>();
/// drop(tx);
/// assert_eq!(rx.recv(), Err(RecvError));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct RecvError;

/// A `try_recv` failed: nothing to receive now, or never again.
///
/// # Examples
///
/// ```
/// use tidings::{oneshot, TryRecvError};
///
/// let (tx, rx) = oneshot::channel::<u8>();
/// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
/// drop(tx);
/// assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum TryRecvError {
    /// Nothing to receive now; a sender may still send.
    Empty,
    /// Every sender is gone and nothing is left to receive.
    Disconnected,
}

/// A `recv_timeout` or `recv_deadline` failed: nothing came in time, or
/// every sender is gone and nothing is left.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use tidings::{oneshot, RecvTimeoutError};
///
/// let (tx, rx) = oneshot::channel::<u8>();
/// assert_eq!(rx.recv_timeout(Duration::from_millis(1)), Err(RecvTimeoutError::Timeout));
/// drop(tx);
/// assert_eq!(rx.recv_timeout(Duration::from_millis(1)), Err(RecvTimeoutError::Disconnected));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum RecvTimeoutError {
    /// Nothing came before the deadline.
    Timeout,
    /// Every sender is gone and nothing is left to receive.
    Disconnected,
}

/// A [`Select::try_select`](crate::Select::try_select) found no
/// operation that could finish now.
///
/// # Examples
///
/// ```
/// let (_tx, rx) = tidings::unbounded::<u8>();
/// let mut sel = tidings::Select::new();
/// sel.recv(&rx);
/// assert_eq!(sel.try_select().unwrap_err(), tidings::TrySelectError);
/// ```
#[cfg(feature = "std")]
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct TrySelectError;

/// A [`Select::select_timeout`](crate::Select::select_timeout) or
/// `select_deadline` saw no operation finish in time.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// let (_tx, rx) = tidings::unbounded::<u8>();
/// let mut sel = tidings::Select::new();
/// sel.recv(&rx);
/// let err = sel.select_timeout(Duration::ZERO).unwrap_err();
/// assert_eq!(err, tidings::SelectTimeoutError);
/// ```
#[cfg(feature = "std")]
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct SelectTimeoutError;

/// A [`Select::try_ready`](crate::Select::try_ready) found no operation
/// ready now.
///
/// # Examples
///
/// ```
/// let (_tx, rx) = tidings::unbounded::<u8>();
/// let mut sel = tidings::Select::new();
/// sel.recv(&rx);
/// assert_eq!(sel.try_ready(), Err(tidings::TryReadyError));
/// ```
#[cfg(feature = "std")]
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct TryReadyError;

/// A [`Select::ready_timeout`](crate::Select::ready_timeout) or
/// `ready_deadline` saw no operation ready in time.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// let (_tx, rx) = tidings::unbounded::<u8>();
/// let mut sel = tidings::Select::new();
/// sel.recv(&rx);
/// assert_eq!(sel.ready_timeout(Duration::ZERO), Err(tidings::ReadyTimeoutError));
/// ```
#[cfg(feature = "std")]
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct ReadyTimeoutError;

const SEND_DISCONNECTED: &str = "sending on a disconnected channel";
const RECV_DISCONNECTED: &str = "receiving on an empty and disconnected channel";

impl<T> SendError<T> {
    /// The message that could not be sent.
    ///
    /// ```
    /// assert_eq!(tidings::SendError("hi").into_inner(), "hi");
    /// ```
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> TrySendError<T> {
    /// The message that could not be sent.
    ///
    /// ```
    /// assert_eq!(tidings::TrySendError::Disconnected(1).into_inner(), 1);
    /// ```
    pub fn into_inner(self) -> T {
        match self {
            Self::Full(msg) | Self::Disconnected(msg) => msg,
        }
    }

    /// Whether the send failed because the channel was full.
    ///
    /// ```
    /// assert!(tidings::TrySendError::Full(()).is_full());
    /// ```
    pub fn is_full(&self) -> bool {
        matches!(self, Self::Full(_))
    }

    /// Whether the send failed because every receiver was gone.
    ///
    /// ```
    /// assert!(tidings::TrySendError::Disconnected(()).is_disconnected());
    /// ```
    pub fn is_disconnected(&self) -> bool {
        matches!(self, Self::Disconnected(_))
    }
}

impl<T> SendTimeoutError<T> {
    /// The message that could not be sent.
    ///
    /// ```
    /// assert_eq!(tidings::SendTimeoutError::Disconnected(1).into_inner(), 1);
    /// ```
    pub fn into_inner(self) -> T {
        match self {
            Self::Timeout(msg) | Self::Disconnected(msg) => msg,
        }
    }

    /// Whether the send timed out.
    ///
    /// ```
    /// assert!(tidings::SendTimeoutError::Timeout(()).is_timeout());
    /// ```
    pub fn is_timeout(&self) -> bool {
        matches!(self, Self::Timeout(_))
    }

    /// Whether the send failed because every receiver was gone.
    ///
    /// ```
    /// assert!(tidings::SendTimeoutError::Disconnected(()).is_disconnected());
    /// ```
    pub fn is_disconnected(&self) -> bool {
        matches!(self, Self::Disconnected(_))
    }
}

recv_error_predicates!("tidings");

impl<T> From<SendError<T>> for TrySendError<T> {
    /// A disconnected send as a `try_send` error.
    ///
    /// ```
    /// use tidings::{SendError, TrySendError};
    /// assert_eq!(TrySendError::from(SendError(1)), TrySendError::Disconnected(1));
    /// ```
    fn from(SendError(msg): SendError<T>) -> Self {
        Self::Disconnected(msg)
    }
}

impl<T> From<SendError<T>> for SendTimeoutError<T> {
    /// A disconnected send as a `send_timeout` error.
    ///
    /// ```
    /// use tidings::{SendError, SendTimeoutError};
    /// assert_eq!(SendTimeoutError::from(SendError(1)), SendTimeoutError::Disconnected(1));
    /// ```
    fn from(SendError(msg): SendError<T>) -> Self {
        Self::Disconnected(msg)
    }
}

impl From<RecvError> for TryRecvError {
    /// A disconnected receive as a `try_recv` error.
    ///
    /// ```
    /// use tidings::{RecvError, TryRecvError};
    /// assert_eq!(TryRecvError::from(RecvError), TryRecvError::Disconnected);
    /// ```
    fn from(_: RecvError) -> Self {
        Self::Disconnected
    }
}

impl From<RecvError> for RecvTimeoutError {
    /// A disconnected receive as a `recv_timeout` error.
    ///
    /// ```
    /// use tidings::{RecvError, RecvTimeoutError};
    /// assert_eq!(RecvTimeoutError::from(RecvError), RecvTimeoutError::Disconnected);
    /// ```
    fn from(_: RecvError) -> Self {
        Self::Disconnected
    }
}

// Debug without `T: Debug`: the message is shown as `..`.

impl<T> fmt::Debug for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SendError(..)")
    }
}

impl<T> fmt::Debug for TrySendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Full(_) => "Full(..)",
            Self::Disconnected(_) => "Disconnected(..)",
        })
    }
}

impl<T> fmt::Debug for SendTimeoutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Timeout(_) => "Timeout(..)",
            Self::Disconnected(_) => "Disconnected(..)",
        })
    }
}

impl<T> fmt::Display for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(SEND_DISCONNECTED)
    }
}

impl<T> fmt::Display for TrySendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Full(_) => "sending on a full channel",
            Self::Disconnected(_) => SEND_DISCONNECTED,
        })
    }
}

impl<T> fmt::Display for SendTimeoutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Timeout(_) => "timed out waiting on send operation",
            Self::Disconnected(_) => SEND_DISCONNECTED,
        })
    }
}

impl fmt::Display for RecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(RECV_DISCONNECTED)
    }
}

impl fmt::Display for TryRecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Empty => "receiving on an empty channel",
            Self::Disconnected => RECV_DISCONNECTED,
        })
    }
}

impl fmt::Display for RecvTimeoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Timeout => "timed out waiting on receive operation",
            Self::Disconnected => RECV_DISCONNECTED,
        })
    }
}

impl<T> core::error::Error for SendError<T> {}
impl<T> core::error::Error for TrySendError<T> {}
impl<T> core::error::Error for SendTimeoutError<T> {}
impl core::error::Error for RecvError {}
impl core::error::Error for TryRecvError {}
impl core::error::Error for RecvTimeoutError {}
#[cfg(feature = "std")]
impl core::error::Error for TrySelectError {}
#[cfg(feature = "std")]
impl core::error::Error for SelectTimeoutError {}
#[cfg(feature = "std")]
impl core::error::Error for TryReadyError {}
#[cfg(feature = "std")]
impl core::error::Error for ReadyTimeoutError {}

#[cfg(feature = "std")]
impl fmt::Display for TrySelectError {
    /// ```
    /// assert_eq!(tidings::TrySelectError.to_string(), "no operation of the select could finish now");
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("no operation of the select could finish now")
    }
}

#[cfg(feature = "std")]
impl fmt::Display for SelectTimeoutError {
    /// ```
    /// assert_eq!(tidings::SelectTimeoutError.to_string(), "no operation of the select finished in time");
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("no operation of the select finished in time")
    }
}

#[cfg(feature = "std")]
impl fmt::Display for TryReadyError {
    /// ```
    /// assert_eq!(tidings::TryReadyError.to_string(), "no operation of the select was ready");
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("no operation of the select was ready")
    }
}

#[cfg(feature = "std")]
impl fmt::Display for ReadyTimeoutError {
    /// ```
    /// assert_eq!(tidings::ReadyTimeoutError.to_string(), "no operation of the select was ready in time");
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("no operation of the select was ready in time")
    }
}

// ---- from the queued channels' private outcomes (`queue/send.rs`) ----

#[cfg(feature = "alloc")]
impl<T> TrySendError<T> {
    /// A `try_send` refused by a queue.
    #[inline]
    pub(crate) fn refused(refused: crate::queue::send::Refused<T>) -> Self {
        use crate::queue::send::Refused;
        match refused {
            Refused::Full(msg) => Self::Full(msg),
            Refused::Closed(msg) => Self::Disconnected(msg),
        }
    }
}

#[cfg(feature = "std")]
impl<T> SendTimeoutError<T> {
    /// A blocking send that failed on a queue.
    #[inline]
    pub(crate) fn failed(failed: crate::queue::send::Failed<T>) -> Self {
        use crate::queue::send::Failed;
        match failed {
            Failed::Closed(msg) => Self::Disconnected(msg),
            Failed::Timeout(msg) => Self::Timeout(msg),
        }
    }
}
