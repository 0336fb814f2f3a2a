//! The `select!` and `select_biased!` macros (crossbeam-channel's
//! syntax), and their async forms `select_async!` and
//! `select_biased_async!`, which also take futures as arms.
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
//!    A future arm (`pattern = future => body`, async forms only) is
//!    pinned in place and bound as an operation too (`FutureArm`).
//! 3. With every arm bound, the select runs once over all the operations
//!    (`__select_run!`: `select::__private::run`; in the async forms a
//!    `Polling` wait, awaited), and `__select_dispatch!` runs the arm
//!    that finished: its result is the operation's outcome (a receive's
//!    message, a future's output, a send's result, the message expression
//!    evaluated only then), or the `default` arm's body if none did.
//!
//! The bodies run where the operations live (so a body may use what
//! another arm's message expression would have moved, as in crossbeam);
//! a future arm's future, too, lives until the select's end.
//!
//! The expansion has no `unsafe`, and the bodies run in no closure: they
//! may `break`, `continue`, `return` (and, in the async forms, `.await`)
//! as in any `match`.

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
/// Among operations ready at once it picks one at random, each as likely
/// (under contention, an operation whose channel another thread is using
/// at that instant is tried after the others, as in
/// [`Select`](crate::Select)).
///
/// A handle may be a value or a reference (`recv(rx)`, `recv(&rx)`), a
/// temporary (`recv(rx.as_ref().unwrap_or(&never))`), or a type that
/// derefs to a handle (a newtype). The expansion needs
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
        $crate::__select_parse!((false blocking); []; (); $($tokens)*)
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
        $crate::__select_parse!((true blocking); []; (); $($tokens)*)
    };
}

/// [`select!`] for async code: waits on several operations at once
/// without blocking the thread, and runs the arm of the one that
/// finished. Written in an `async` block or function, it is an
/// expression (it awaits inside; no `.await` after it), for any executor.
///
/// ```text
/// select_async! {
///     recv(receiver) -> result => body,
///     send(sender, message) -> result => body,
///     pattern = future => body,
///     default => body,            // or: default(timeout) => body,
/// }
/// ```
///
/// - `recv`, `send`, `default` and `default(timeout)` are [`select!`]'s
///   arms, on the same handles (a `default(timeout)` is woken by the
///   crate's timer thread).
/// - `pattern = future => body`: any future (or `IntoFuture`), the
///   crate's own among them (`rx.recv_async()`, `tx.reserve_async()`, a
///   oneshot receiver, `watch_rx.changed_async()`): `pattern` (irrefutable)
///   takes its output. The arm's future is pinned in place and polled with
///   the task's waker when the select lists its operations and each time
///   the task is woken.
/// - Among operations and futures ready at once, it picks one at random,
///   each as likely; [`select_biased_async!`](crate::select_biased_async!)
///   picks the first written.
///
/// Bodies may use `.await`, `?`, `break`, `continue` and `return` (no
/// closure is involved). A body runs before the select's futures are
/// dropped, so it cannot borrow mutably what an arm's future borrows
/// (`wrx` in `c = wrx.changed_async() => ...`): use it after the select,
/// from the value the arm gives. The select is `Send` when its operations and
/// futures are: an mpmc `recv` or `send` arm is (its messages `Send`); a
/// `recv` arm on a broadcast, oneshot or multishot receiver is not (those
/// receivers are not `Sync`): in a task that must be `Send`, give their
/// futures as arms instead (`msg = rx.recv_async() => ...`).
///
/// # Cancel safety
///
/// The `recv` and `send` arms are cancel safe: a select dropped before it
/// finishes (its task cancelled, or it lost a race in an outer select)
/// has taken no message and holds no slot. A future arm is dropped as it
/// stands, when the select finishes through another arm or is dropped:
/// as cancel safe as that future is (the crate's futures are; see each
/// one's `# Cancel safety`).
///
/// A future arm in the blocking [`select!`] does not compile (it has no
/// task to wake):
///
/// ```compile_fail
/// tidings::select! {
///     v = std::future::ready(1) => assert_eq!(v, 1),
/// }
/// ```
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use tidings::select_async;
///
/// let (tx, rx) = tidings::bounded::<u32>(8);
/// let (stop_tx, stop_rx) = tidings::oneshot::channel::<()>();
/// let (out_tx, out_rx) = tidings::unbounded();
/// std::thread::spawn(move || {
///     for i in 1..=3 {
///         tx.send(i).unwrap();
///     }
///     stop_tx.send(()).unwrap();
/// });
///
/// let total = pollster::block_on(async move {
///     let mut stop = stop_rx;
///     let mut total = 0;
///     loop {
///         select_async! {
///             recv(rx) -> msg => match msg {
///                 Ok(n) => total += n,
///                 Err(_) => break,
///             },
///             _ = &mut stop => {
///                 // Drain what was sent before the stop, then finish.
///                 while let Ok(n) = rx.try_recv() {
///                     total += n;
///                 }
///                 break;
///             }
///             default(Duration::from_secs(10)) => panic!("stalled"),
///         }
///     }
///     out_tx.send(total).unwrap();
///     total
/// });
/// assert_eq!(total, 6);
/// assert_eq!(out_rx.try_recv(), Ok(6));
/// ```
#[macro_export]
macro_rules! select_async {
    ($($tokens:tt)*) => {
        $crate::__select_parse!((false async); []; (); $($tokens)*)
    };
}

/// [`select_async!`] that chooses the first arm (in the order written)
/// among the operations and futures ready at once, instead of one at
/// random.
///
/// # Cancel safety
///
/// As [`select_async!`]'s.
///
/// # Examples
///
/// ```
/// let (tx, rx) = tidings::unbounded();
/// let (_tx2, rx2) = tidings::unbounded::<i32>();
/// tx.send(1).unwrap();
/// tx.send(2).unwrap();
/// let got = pollster::block_on(async {
///     tidings::select_biased_async! {
///         msg = rx.recv_async() => msg.unwrap(),
///         recv(rx) -> msg => msg.unwrap() * 10,
///         recv(rx2) -> _ => unreachable!("nothing sent"),
///     }
/// });
/// assert_eq!(got, 1, "the first arm, though the second was ready too");
/// ```
#[macro_export]
macro_rules! select_biased_async {
    ($($tokens:tt)*) => {
        $crate::__select_parse!((true async); []; (); $($tokens)*)
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __select_parse {
    // Done: bind the arms.
    ($how:tt; [$($arms:tt)*]; $default:tt;) => {
        $crate::__select_bind!($how; $default; []; (0); $($arms)*)
    };
    // A comma between arms.
    ($how:tt; [$($arms:tt)*]; $default:tt; , $($rest:tt)*) => {
        $crate::__select_parse!($how; [$($arms)*]; $default; $($rest)*)
    };
    ($how:tt; [$($arms:tt)*]; $default:tt;
        recv($r:expr $(,)?) -> $res:pat => { $($body:tt)* } $($rest:tt)*) => {
        $crate::__select_parse!($how; [$($arms)* (recv ($r) ($res) { $($body)* })];
            $default; $($rest)*)
    };
    ($how:tt; [$($arms:tt)*]; $default:tt;
        recv($r:expr $(,)?) -> $res:pat => $body:expr $(, $($rest:tt)*)?) => {
        $crate::__select_parse!($how; [$($arms)* (recv ($r) ($res) { $body })];
            $default; $($($rest)*)?)
    };
    ($how:tt; [$($arms:tt)*]; $default:tt;
        send($s:expr, $m:expr $(,)?) -> $res:pat => { $($body:tt)* } $($rest:tt)*) => {
        $crate::__select_parse!($how; [$($arms)* (send ($s, $m) ($res) { $($body)* })];
            $default; $($rest)*)
    };
    ($how:tt; [$($arms:tt)*]; $default:tt;
        send($s:expr, $m:expr $(,)?) -> $res:pat => $body:expr $(, $($rest:tt)*)?) => {
        $crate::__select_parse!($how; [$($arms)* (send ($s, $m) ($res) { $body })];
            $default; $($($rest)*)?)
    };
    ($how:tt; [$($arms:tt)*]; (); default $(())? => { $($body:tt)* } $($rest:tt)*) => {
        $crate::__select_parse!($how; [$($arms)*];
            (($crate::__private::Wait::Never) { $($body)* }); $($rest)*)
    };
    ($how:tt; [$($arms:tt)*]; (); default $(())? => $body:expr $(, $($rest:tt)*)?) => {
        $crate::__select_parse!($how; [$($arms)*];
            (($crate::__private::Wait::Never) { $body }); $($($rest)*)?)
    };
    ($how:tt; [$($arms:tt)*]; ();
        default($t:expr $(,)?) => { $($body:tt)* } $($rest:tt)*) => {
        $crate::__select_parse!($how; [$($arms)*];
            (($crate::__private::Wait::For($t)) { $($body)* }); $($rest)*)
    };
    ($how:tt; [$($arms:tt)*]; ();
        default($t:expr $(,)?) => $body:expr $(, $($rest:tt)*)?) => {
        $crate::__select_parse!($how; [$($arms)*];
            (($crate::__private::Wait::For($t)) { $body }); $($($rest)*)?)
    };
    ($how:tt; [$($arms:tt)*]; ($($default:tt)+); default $($rest:tt)*) => {
        ::core::compile_error!("a select has at most one `default` arm")
    };
    ($how:tt; [$($arms:tt)*]; $default:tt;
        $res:pat = $fut:expr => { $($body:tt)* } $($rest:tt)*) => {
        $crate::__select_parse!($how; [$($arms)* (future ($fut) ($res) { $($body)* })];
            $default; $($rest)*)
    };
    ($how:tt; [$($arms:tt)*]; $default:tt;
        $res:pat = $fut:expr => $body:expr $(, $($rest:tt)*)?) => {
        $crate::__select_parse!($how; [$($arms)* (future ($fut) ($res) { $body })];
            $default; $($($rest)*)?)
    };
    ($how:tt; [$($arms:tt)*]; $default:tt; $($rest:tt)+) => {
        ::core::compile_error!(
            "expected `recv(r) -> res => body`, `send(s, msg) -> res => body`, \
             `default => body`, `default(timeout) => body` \
             or (in `select_async!`) `pattern = future => body`"
        )
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __select_bind {
    // Every arm bound: run the select, then the arm that finished.
    (($biased:tt blocking); $default:tt; [$($bound:tt)*]; ($($next:tt)*);) => {{
        let selected = $crate::__select_run!(blocking; $biased; $default; $($bound)*);
        $crate::__select_dispatch!(selected; $default; $($bound)*)
    }};
    (($biased:tt async); $default:tt; [$($bound:tt)*]; ($($next:tt)*);) => {{
        let selected = $crate::__select_run!(async ($($next)*); $biased; $default; $($bound)*);
        $crate::__select_dispatch!(selected; $default; $($bound)*)
    }};
    ($how:tt; $default:tt; [$($bound:tt)*]; ($($index:tt)*);
        (recv ($r:expr) $res:tt $body:tt) $($rest:tt)*) => {
        match &$r {
            handle => {
                // (A method call, so that a handle that derefs to one of
                // the crate's, a newtype say, is taken as that one.)
                let mut op = {
                    use $crate::__private::SelectRecv as _;
                    handle.select_op()
                };
                $crate::__select_bind!($how; $default;
                    [$($bound)* (op recv ($($index)*) $res $body)];
                    ($($index)* + 1); $($rest)*)
            }
        }
    };
    ($how:tt; $default:tt; [$($bound:tt)*]; ($($index:tt)*);
        (send ($s:expr, $m:expr) $res:tt $body:tt) $($rest:tt)*) => {
        match &$s {
            handle => {
                let mut op = {
                    use $crate::__private::SelectSend as _;
                    handle.select_op()
                };
                $crate::__select_bind!($how; $default;
                    [$($bound)* (op send ($($index)*) ($m) $res $body)];
                    ($($index)* + 1); $($rest)*)
            }
        }
    };
    (($biased:tt blocking); $default:tt; [$($bound:tt)*]; $index:tt;
        (future $($arm:tt)*) $($rest:tt)*) => {
        ::core::compile_error!(
            "a future arm (`pattern = future => body`) needs `select_async!` \
             or `select_biased_async!`"
        )
    };
    ($how:tt; $default:tt; [$($bound:tt)*]; ($($index:tt)*);
        (future ($fut:expr) $res:tt $body:tt) $($rest:tt)*) => {{
        let fut = ::core::pin::pin!(::core::future::IntoFuture::into_future($fut));
        let mut op = $crate::__private::FutureArm::new(fut);
        $crate::__select_bind!($how; $default;
            [$($bound)* (op future ($($index)*) $res $body)];
            ($($index)* + 1); $($rest)*)
    }};
}

/// Runs the select over the bound operations: the index of the one that
/// finished, `None` if the `default` arm's time came first.
#[doc(hidden)]
#[macro_export]
macro_rules! __select_run {
    (blocking; $biased:tt; $default:tt; $(($op:ident $($bound:tt)*))*) => {
        $crate::__private::run(
            &mut [$(&mut $op as &mut dyn $crate::__private::Operation),*],
            $biased,
            $crate::__select_wait!($default),
        )
    };
    // Awaited: the operations are lent to the wait as one slice at each
    // poll (see `select/future.rs`).
    (async ($($len:tt)*); $biased:tt; $default:tt; $(($op:ident $($bound:tt)*))*) => {{
        let mut polling = $crate::__private::Polling::new(
            |lend: &mut dyn ::core::ops::FnMut(
                &mut [&mut dyn $crate::__private::Operation; $($len)*],
            )| lend(&mut [$(&mut $op as &mut dyn $crate::__private::Operation),*]),
            $biased,
            $crate::__select_wait!($default).deadline(),
        );
        ::core::future::poll_fn(|cx| polling.poll(cx)).await
    }};
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

/// Runs the arm of the operation that finished: its result is the
/// operation's outcome (a receive's message, a future's output, a send's
/// result: its message expression evaluated only now), or the `default`
/// arm's body if none finished.
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
        ($op:ident send ($($index:tt)*) ($m:expr) ($res:pat) { $($body:tt)* }) $($rest:tt)*) => {
        if $selected == ::core::option::Option::Some($($index)*) {
            let $res = $crate::__private::FinishSend::finish(&mut $op, $m);
            $($body)*
        } else {
            $crate::__select_dispatch!($selected; $default; $($rest)*)
        }
    };
    ($selected:ident; $default:tt;
        ($op:ident $kind:ident ($($index:tt)*) ($res:pat) { $($body:tt)* }) $($rest:tt)*) => {
        if $selected == ::core::option::Option::Some($($index)*) {
            let $res = $crate::__private::FinishRecv::finish(&mut $op);
            $($body)*
        } else {
            $crate::__select_dispatch!($selected; $default; $($rest)*)
        }
    };
}
