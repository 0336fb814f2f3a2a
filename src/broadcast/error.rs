//! The receive errors of a broadcast channel: the crate's, plus `Lagged`.

use core::fmt;

const DISCONNECTED: &str = "receiving on an empty and disconnected channel";

/// A broadcast receive failed.
///
/// # Examples
///
/// ```
/// use tidings::broadcast::{self, RecvError};
///
/// let (tx, mut rx) = broadcast::lagging(1);
/// tx.send(1).unwrap();
/// tx.send(2).unwrap(); // overwrites 1, which `rx` had not read
/// assert_eq!(rx.recv(), Err(RecvError::Lagged(1)));
/// assert_eq!(rx.recv(), Ok(2));
/// drop(tx);
/// assert_eq!(rx.recv(), Err(RecvError::Disconnected));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RecvError {
    /// Every sender is gone (or the channel was closed) and this receiver
    /// has read everything.
    Disconnected,
    /// This receiver missed this many messages, overwritten before it read
    /// them (lagging channels only). The next receive reads the oldest
    /// message still held.
    Lagged(u64),
}

/// A broadcast `try_recv` failed.
///
/// # Examples
///
/// ```
/// use tidings::broadcast::{self, TryRecvError};
///
/// let (tx, mut rx) = broadcast::channel::<u8>(4);
/// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
/// drop(tx);
/// assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TryRecvError {
    /// Nothing to read now.
    Empty,
    /// Every sender is gone (or the channel was closed) and this receiver
    /// has read everything.
    Disconnected,
    /// This receiver missed this many messages (lagging channels only).
    Lagged(u64),
}

/// A broadcast `recv_timeout` or `recv_deadline` failed.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use tidings::broadcast::{self, RecvTimeoutError};
///
/// let (_tx, mut rx) = broadcast::channel::<u8>(4);
/// assert_eq!(
///     rx.recv_timeout(Duration::from_millis(1)),
///     Err(RecvTimeoutError::Timeout)
/// );
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RecvTimeoutError {
    /// Nothing came before the deadline.
    Timeout,
    /// Every sender is gone (or the channel was closed) and this receiver
    /// has read everything.
    Disconnected,
    /// This receiver missed this many messages (lagging channels only).
    Lagged(u64),
}

recv_error_predicates!("tidings::broadcast");

impl From<RecvError> for TryRecvError {
    /// A blocking receive's error as a `try_recv` error.
    ///
    /// ```
    /// use tidings::broadcast::{RecvError, TryRecvError};
    /// assert_eq!(TryRecvError::from(RecvError::Lagged(3)), TryRecvError::Lagged(3));
    /// ```
    fn from(err: RecvError) -> Self {
        match err {
            RecvError::Disconnected => Self::Disconnected,
            RecvError::Lagged(missed) => Self::Lagged(missed),
        }
    }
}

impl From<RecvError> for RecvTimeoutError {
    /// A blocking receive's error as a `recv_timeout` error.
    ///
    /// ```
    /// use tidings::broadcast::{RecvError, RecvTimeoutError};
    /// assert_eq!(
    ///     RecvTimeoutError::from(RecvError::Disconnected),
    ///     RecvTimeoutError::Disconnected
    /// );
    /// ```
    fn from(err: RecvError) -> Self {
        match err {
            RecvError::Disconnected => Self::Disconnected,
            RecvError::Lagged(missed) => Self::Lagged(missed),
        }
    }
}

fn lagged(f: &mut fmt::Formatter<'_>, missed: u64) -> fmt::Result {
    write!(f, "receiver lagged behind and missed {missed} messages")
}

impl fmt::Display for RecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Disconnected => f.write_str(DISCONNECTED),
            Self::Lagged(missed) => lagged(f, *missed),
        }
    }
}

impl fmt::Display for TryRecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("receiving on an empty channel"),
            Self::Disconnected => f.write_str(DISCONNECTED),
            Self::Lagged(missed) => lagged(f, *missed),
        }
    }
}

impl fmt::Display for RecvTimeoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Timeout => f.write_str("timed out waiting on receive operation"),
            Self::Disconnected => f.write_str(DISCONNECTED),
            Self::Lagged(missed) => lagged(f, *missed),
        }
    }
}

impl core::error::Error for RecvError {}
impl core::error::Error for TryRecvError {}
impl core::error::Error for RecvTimeoutError {}
