//! The `select!` and `select_biased!` macros: crossbeam-channel's syntax.
//!
//! Expansion, in three steps:
//!
//! 1. `__select_parse!` reads the arms (`recv(r) -> res => body`,
//!    `send(s, msg) -> res => body`, `default => body`,
//!    `default(timeout) => body`, commas optional after a block) into a
//!    list, and the `default` arm apart.
//! 2. `__select_bind!` takes the arms one by one: each borrows its handle
//!    in a `match` (so that a temporary handle, `&never()` say, lives to
//!    the end of the select) and makes its operation, an `op` local whose
//!    name is its own (each recursion's `op` is a different identifier to
//!    the compiler: macro hygiene); the arm's index is a sum, `0 + 1 + 1`.
//! 3. With every arm bound, the select runs once over all the operations
//!    (`select::__private::run`), and `__select_dispatch!` runs the arm
//!    that finished: its result is the operation's outcome (a receive's
//!    message, a send's result, the message expression evaluated only
//!    then), or the `default` arm's body if none did.
//!
//! The expansion has no `unsafe` and no closure: bodies may `break`,
//! `continue` or `return` as in any `match`.

/// Waits on several channel operations at once and runs the arm of the
/// one that finished, choosing at random among those ready at once: the
/// syntax and behaviour of crossbeam-channel's `select!`.
///
/// ```text
/// select! {
///     recv(receiver) -> result => body,
///     send(sender, message) -> result => body,
///     default => body,            // or: default(timeout) => body,
/// }
/// ```
///
/// - `recv(r) -> res`: `res` is what the receive gives (for an mpmc
///   receiver, `Result<T, RecvError>`: the end is ready too).
/// - `send(s, msg) -> res`: `msg` is evaluated only if the send is chosen;
///   `res` is `Result<(), SendError<T>>`.
/// - `default`: runs if no operation can finish at once; `default(timeout)`
///   if none finishes within `timeout`. Without it the select blocks the
///   thread until one does.
///
/// A handle may be a value or a reference (`recv(rx)`, `recv(&rx)`), and a
/// temporary (`recv(rx.as_ref().unwrap_or(&never))`). The expansion needs
/// no `unsafe`. For the same wait as a future, see
/// [`Select::select_async`](crate::Select::select_async).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use tidings::select;
///
/// let (tx1, rx1) = tidings::unbounded();
/// let (tx2, rx2) = tidings::bounded(1);
/// tx1.send("ping").unwrap();
///
/// select! {
///     recv(rx1) -> msg => assert_eq!(msg, Ok("ping")),
///     recv(rx2) -> _ => unreachable!("nothing sent"),
/// }
/// select! {
///     send(tx2, 7) -> res => res.unwrap(),
///     default(Duration::from_secs(1)) => unreachable!("room for one"),
/// }
/// assert_eq!(rx2.recv(), Ok(7));
/// select! {
///     recv(rx2) -> _ => unreachable!("empty"),
///     default => {}
/// }
/// ```
#[macro_export]
macro_rules! select {
    ($($tokens:tt)*) => {
        $crate::__select_parse!(false; []; (); $($tokens)*)
    };
}

/// [`select!`] that chooses the first arm (in the order written) among
/// the operations ready at once, instead of one at random.
///
/// # Examples
///
/// ```
/// let (tx1, rx1) = tidings::unbounded();
/// let (tx2, rx2) = tidings::unbounded();
/// tx1.send(1).unwrap();
/// tx2.send(2).unwrap();
/// let first = tidings::select_biased! {
///     recv(rx1) -> msg => msg.unwrap(),
///     recv(rx2) -> msg => msg.unwrap(),
/// };
/// assert_eq!(first, 1);
/// ```
#[macro_export]
macro_rules! select_biased {
    ($($tokens:tt)*) => {
        $crate::__select_parse!(true; []; (); $($tokens)*)
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __select_parse {
    // Done: bind the arms.
    ($biased:tt; [$($arms:tt)*]; $default:tt;) => {
        $crate::__select_bind!($biased; $default; []; (0); $($arms)*)
    };
    // A comma between arms.
    ($biased:tt; [$($arms:tt)*]; $default:tt; , $($rest:tt)*) => {
        $crate::__select_parse!($biased; [$($arms)*]; $default; $($rest)*)
    };
    ($biased:tt; [$($arms:tt)*]; $default:tt;
        recv($r:expr $(,)?) -> $res:pat => { $($body:tt)* } $($rest:tt)*) => {
        $crate::__select_parse!($biased; [$($arms)* (recv ($r) ($res) { $($body)* })];
            $default; $($rest)*)
    };
    ($biased:tt; [$($arms:tt)*]; $default:tt;
        recv($r:expr $(,)?) -> $res:pat => $body:expr $(, $($rest:tt)*)?) => {
        $crate::__select_parse!($biased; [$($arms)* (recv ($r) ($res) { $body })];
            $default; $($($rest)*)?)
    };
    ($biased:tt; [$($arms:tt)*]; $default:tt;
        send($s:expr, $m:expr $(,)?) -> $res:pat => { $($body:tt)* } $($rest:tt)*) => {
        $crate::__select_parse!($biased; [$($arms)* (send ($s, $m) ($res) { $($body)* })];
            $default; $($rest)*)
    };
    ($biased:tt; [$($arms:tt)*]; $default:tt;
        send($s:expr, $m:expr $(,)?) -> $res:pat => $body:expr $(, $($rest:tt)*)?) => {
        $crate::__select_parse!($biased; [$($arms)* (send ($s, $m) ($res) { $body })];
            $default; $($($rest)*)?)
    };
    ($biased:tt; [$($arms:tt)*]; (); default $(())? => { $($body:tt)* } $($rest:tt)*) => {
        $crate::__select_parse!($biased; [$($arms)*];
            (($crate::__private::Wait::Never) { $($body)* }); $($rest)*)
    };
    ($biased:tt; [$($arms:tt)*]; (); default $(())? => $body:expr $(, $($rest:tt)*)?) => {
        $crate::__select_parse!($biased; [$($arms)*];
            (($crate::__private::Wait::Never) { $body }); $($($rest)*)?)
    };
    ($biased:tt; [$($arms:tt)*]; ();
        default($t:expr $(,)?) => { $($body:tt)* } $($rest:tt)*) => {
        $crate::__select_parse!($biased; [$($arms)*];
            (($crate::__private::Wait::For($t)) { $($body)* }); $($rest)*)
    };
    ($biased:tt; [$($arms:tt)*]; ();
        default($t:expr $(,)?) => $body:expr $(, $($rest:tt)*)?) => {
        $crate::__select_parse!($biased; [$($arms)*];
            (($crate::__private::Wait::For($t)) { $body }); $($($rest)*)?)
    };
    ($biased:tt; [$($arms:tt)*]; ($($default:tt)+); default $($rest:tt)*) => {
        ::core::compile_error!("a select has at most one `default` arm")
    };
    ($biased:tt; [$($arms:tt)*]; $default:tt; $($rest:tt)+) => {
        ::core::compile_error!(
            "expected `recv(r) -> res => body`, `send(s, msg) -> res => body`, \
             `default => body` or `default(timeout) => body`"
        )
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __select_bind {
    // Every arm bound: run the select, then the arm that finished.
    ($biased:tt; $default:tt; [$(($op:ident $($bound:tt)*))*]; ($($next:tt)*);) => {{
        let selected = $crate::__private::run(
            &mut [$(&mut $op as &mut dyn $crate::__private::Operation),*],
            $biased,
            $crate::__select_wait!($default),
        );
        $crate::__select_dispatch!(selected; $default; $(($op $($bound)*))*)
    }};
    ($biased:tt; $default:tt; [$($bound:tt)*]; ($($index:tt)*);
        (recv ($r:expr) $res:tt $body:tt) $($rest:tt)*) => {
        match &$r {
            handle => {
                let mut op = $crate::__private::SelectRecv::op(handle);
                $crate::__select_bind!($biased; $default;
                    [$($bound)* (op recv ($($index)*) $res $body)];
                    ($($index)* + 1); $($rest)*)
            }
        }
    };
    ($biased:tt; $default:tt; [$($bound:tt)*]; ($($index:tt)*);
        (send ($s:expr, $m:expr) $res:tt $body:tt) $($rest:tt)*) => {
        match &$s {
            handle => {
                let mut op = $crate::__private::SelectSend::op(handle);
                $crate::__select_bind!($biased; $default;
                    [$($bound)* (op send ($($index)*) ($m) $res $body)];
                    ($($index)* + 1); $($rest)*)
            }
        }
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __select_wait {
    (()) => {
        $crate::__private::Wait::Forever
    };
    (($wait:tt $body:tt)) => {
        $wait
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __select_dispatch {
    ($selected:ident; (); ) => {
        ::core::unreachable!("a select without `default` waits until an operation finishes")
    };
    ($selected:ident; ($wait:tt { $($body:tt)* }); ) => {{
        $($body)*
    }};
    ($selected:ident; $default:tt;
        ($op:ident recv ($($index:tt)*) ($res:pat) { $($body:tt)* }) $($rest:tt)*) => {
        if $selected == ::core::option::Option::Some($($index)*) {
            let $res = $crate::__private::FinishRecv::finish(&mut $op);
            $($body)*
        } else {
            $crate::__select_dispatch!($selected; $default; $($rest)*)
        }
    };
    ($selected:ident; $default:tt;
        ($op:ident send ($($index:tt)*) ($m:expr) ($res:pat) { $($body:tt)* }) $($rest:tt)*) => {
        if $selected == ::core::option::Option::Some($($index)*) {
            let $res = $crate::__private::FinishSend::finish(&mut $op, $m);
            $($body)*
        } else {
            $crate::__select_dispatch!($selected; $default; $($rest)*)
        }
    };
}
