//! The shared error types: Display, Debug without `T: Debug`, Error for
//! every `T`, conversions.

use std::error::Error;

use tidings::{
    RecvError, RecvTimeoutError, SendError, SendTimeoutError, TryRecvError, TrySendError,
};

/// Neither Debug nor Send nor Sync.
struct Opaque(#[allow(dead_code)] std::rc::Rc<u8>);

fn opaque() -> Opaque {
    Opaque(std::rc::Rc::new(0))
}

fn as_error<E: Error + 'static>(e: E) -> Box<dyn Error> {
    Box::new(e)
}

#[test]
fn display_strings() {
    let cases: Vec<(Box<dyn Error>, &str)> = vec![
        (
            as_error(SendError(opaque())),
            "sending on a disconnected channel",
        ),
        (
            as_error(TrySendError::Full(opaque())),
            "sending on a full channel",
        ),
        (
            as_error(TrySendError::Disconnected(opaque())),
            "sending on a disconnected channel",
        ),
        (
            as_error(SendTimeoutError::Timeout(opaque())),
            "timed out waiting on send operation",
        ),
        (
            as_error(SendTimeoutError::Disconnected(opaque())),
            "sending on a disconnected channel",
        ),
        (
            as_error(RecvError),
            "receiving on an empty and disconnected channel",
        ),
        (
            as_error(TryRecvError::Empty),
            "receiving on an empty channel",
        ),
        (
            as_error(TryRecvError::Disconnected),
            "receiving on an empty and disconnected channel",
        ),
        (
            as_error(RecvTimeoutError::Timeout),
            "timed out waiting on receive operation",
        ),
        (
            as_error(RecvTimeoutError::Disconnected),
            "receiving on an empty and disconnected channel",
        ),
    ];
    for (err, text) in cases {
        assert_eq!(err.to_string(), text);
        assert!(err.source().is_none());
    }
}

#[test]
fn debug_hides_the_message() {
    assert_eq!(format!("{:?}", SendError(opaque())), "SendError(..)");
    assert_eq!(format!("{:?}", TrySendError::Full(opaque())), "Full(..)");
    assert_eq!(
        format!("{:?}", TrySendError::Disconnected(opaque())),
        "Disconnected(..)"
    );
    assert_eq!(
        format!("{:?}", SendTimeoutError::Timeout(opaque())),
        "Timeout(..)"
    );
    assert_eq!(
        format!("{:?}", SendTimeoutError::Disconnected(opaque())),
        "Disconnected(..)"
    );
    assert_eq!(format!("{:?}", RecvError), "RecvError");
    assert_eq!(format!("{:?}", TryRecvError::Empty), "Empty");
    assert_eq!(format!("{:?}", RecvTimeoutError::Timeout), "Timeout");
}

#[test]
fn messages_come_back() {
    assert_eq!(SendError(1).into_inner(), 1);
    assert_eq!(TrySendError::Full(2).into_inner(), 2);
    assert_eq!(TrySendError::Disconnected(3).into_inner(), 3);
    assert_eq!(SendTimeoutError::Timeout(4).into_inner(), 4);
    assert_eq!(SendTimeoutError::Disconnected(5).into_inner(), 5);
}

#[test]
fn predicates() {
    assert!(TrySendError::Full(()).is_full());
    assert!(!TrySendError::Full(()).is_disconnected());
    assert!(TrySendError::Disconnected(()).is_disconnected());
    assert!(!TrySendError::Disconnected(()).is_full());
    assert!(SendTimeoutError::Timeout(()).is_timeout());
    assert!(!SendTimeoutError::Timeout(()).is_disconnected());
    assert!(SendTimeoutError::Disconnected(()).is_disconnected());
    assert!(TryRecvError::Empty.is_empty());
    assert!(!TryRecvError::Empty.is_disconnected());
    assert!(TryRecvError::Disconnected.is_disconnected());
    assert!(RecvTimeoutError::Timeout.is_timeout());
    assert!(RecvTimeoutError::Disconnected.is_disconnected());
    assert!(!RecvTimeoutError::Disconnected.is_timeout());
}

#[test]
fn conversions() {
    assert_eq!(
        TrySendError::from(SendError(7)),
        TrySendError::Disconnected(7)
    );
    assert_eq!(
        SendTimeoutError::from(SendError(7)),
        SendTimeoutError::Disconnected(7)
    );
    assert_eq!(TryRecvError::from(RecvError), TryRecvError::Disconnected);
    assert_eq!(
        RecvTimeoutError::from(RecvError),
        RecvTimeoutError::Disconnected
    );
}

#[test]
fn copy_and_hash_where_contents_allow() {
    use std::collections::HashSet;
    let e = TrySendError::Full(1u8);
    let copied = e;
    assert_eq!(e, copied);
    let set: HashSet<_> = [RecvTimeoutError::Timeout, RecvTimeoutError::Timeout].into();
    assert_eq!(set.len(), 1);
}
