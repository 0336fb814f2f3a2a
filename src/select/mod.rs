//! Waiting on several operations at once: crossbeam-channel's selection
//! API, from a thread or from a task.
//!
//! A [`Select`] holds operations (a receive from one channel, a send on
//! another); [`Select::select`] waits until one of them finishes and says
//! which ([`SelectedOperation::index`]); the caller then completes it with
//! the same handle ([`SelectedOperation::recv`], or
//! [`SelectedOperation::send`] with the message). [`Select::ready`] only
//! says which operation is ready, taking nothing. The [`select!`] and
//! [`select_biased!`] macros write a select as one expression.
//!
//! Every wait comes in crossbeam's forms (blocking, `try_`, `_timeout`,
//! `_deadline`) and as a future ([`Select::select_async`],
//! [`Select::ready_async`]) that any executor can poll: the same
//! operations wait alike for a thread and for a task.
//!
//! # Protocol
//!
//! One wait of a select lists one entry per operation, each in its own
//! channel's wait list, all sharing one claim: the first channel that can
//! finish an operation wins the claim and wakes the select; the others
//! pass it over (`select/engine.rs`, `wait/claim.rs`). A selected receive
//! has taken its message when [`select`](Select::select) returns; a
//! selected send holds the right to send (a slot, or a receiver waiting on
//! a rendezvous). What a selected operation holds is never lost: dropping
//! a [`SelectedOperation`] without completing it puts a received message
//! back at the front of its channel (a broadcast's back into its
//! receiver's cursor; a oneshot's, which cannot go back, stays with the
//! [`LocalSelect`] for its next select of that receiver) and gives a
//! send's slot back; dropping a select future, at any point, leaves
//! nothing listed and nothing held.
//!
//! [`select!`]: crate::select!
//! [`select_biased!`]: crate::select_biased!
#![allow(unsafe_code)]

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};
use std::time::{Duration, Instant};

use crate::error::{
    ReadyTimeoutError, SelectTimeoutError, SendError, TryReadyError, TrySelectError,
};

pub(crate) mod engine;
mod future;
mod macros;

use engine::{arrange, Fresh, Kind, Mode, Operation, Ops, Rng, Selection, Waiter};

pub(crate) mod sealed {
    /// Only the crate's handles take part in a select.
    pub trait Sealed {}
}
pub(crate) use sealed::Sealed;

/// A receiver a select can wait on: every receiving handle of the crate.
/// (Sealed: implemented by the crate only.)
///
/// # Examples
///
/// ```
/// use tidings::SelectRecv;
///
/// fn recv_either<R: SelectRecv>(a: &R, b: &R) -> R::Output {
///     tidings::select! {
///         recv(a) -> got => got,
///         recv(b) -> got => got,
///     }
/// }
/// let (_tx1, rx1) = tidings::unbounded::<u8>();
/// let (tx2, rx2) = tidings::unbounded::<u8>();
/// tx2.send(1).unwrap();
/// assert_eq!(recv_either(&rx1, &rx2), Ok(1));
/// ```
///
/// A [`Select`] keeps its operations, so it also asks that they be `Send`
/// and `Sync` (the messages `Send`): generic code adds
/// `where R::Op<'a>: Send + Sync`, or names the handle's type (a
/// [`LocalSelect`] asks nothing more):
///
/// ```
/// use tidings::{Select, SelectRecv};
///
/// fn ready_one<'a, R: SelectRecv>(a: &'a R, b: &'a R) -> usize
/// where
///     R::Op<'a>: Send + Sync,
/// {
///     let mut sel = Select::new();
///     sel.recv(a);
///     sel.recv(b);
///     sel.ready()
/// }
/// let (_tx1, rx1) = tidings::unbounded::<u8>();
/// let (tx2, rx2) = tidings::unbounded::<u8>();
/// tx2.send(1).unwrap();
/// assert_eq!(ready_one(&rx1, &rx2), 1);
/// ```
pub trait SelectRecv: Sealed {
    /// What a selected receive gives: `Result<T, RecvError>` for an mpmc
    /// receiver.
    type Output;
    #[doc(hidden)]
    type Op<'a>: Operation + Fresh + FinishRecv<Output = Self::Output>
    where
        Self: 'a;
    #[doc(hidden)]
    const KIND: Kind;
    #[doc(hidden)]
    fn select_op(&self) -> Self::Op<'_>;
    /// The handle's address, as its operations know it.
    #[doc(hidden)]
    fn addr(&self) -> *const () {
        core::ptr::from_ref(self).cast()
    }
}

/// A sender a select can wait on: every sending handle of the crate that
/// can wait. (Sealed: implemented by the crate only.)
///
/// # Examples
///
/// ```
/// use tidings::SelectSend;
///
/// fn send_somewhere<S: SelectSend<Msg = u8>>(a: &S, b: &S, msg: u8) {
///     tidings::select! {
///         send(a, msg) -> sent => sent.unwrap(),
///         send(b, msg) -> sent => sent.unwrap(),
///     }
/// }
/// let (tx1, rx1) = tidings::bounded(1);
/// let (tx2, rx2) = tidings::bounded(1);
/// tx1.send(0).unwrap();
/// send_somewhere(&tx1, &tx2, 7);
/// assert_eq!(rx2.try_recv(), Ok(7));
/// ```
pub trait SelectSend: Sealed {
    /// The messages it sends.
    type Msg;
    #[doc(hidden)]
    type Granted;
    #[doc(hidden)]
    type Op<'a>: Operation + Fresh + FinishSend<Msg = Self::Msg>
    where
        Self: 'a;
    #[doc(hidden)]
    const KIND: Kind;
    #[doc(hidden)]
    fn select_op(&self) -> Self::Op<'_>;
    /// The handle's address, as its operations know it.
    #[doc(hidden)]
    fn addr(&self) -> *const () {
        core::ptr::from_ref(self).cast()
    }
    #[doc(hidden)]
    fn send_granted(
        &self,
        granted: Self::Granted,
        msg: Self::Msg,
    ) -> Result<(), SendError<Self::Msg>>;
}

impl<R: Sealed + ?Sized> Sealed for &R {}

/// A reference receives as what it refers to (so the macros take a handle
/// or a reference alike).
impl<R: SelectRecv + ?Sized> SelectRecv for &R {
    type Output = R::Output;
    type Op<'a>
        = R::Op<'a>
    where
        Self: 'a;
    const KIND: Kind = R::KIND;

    fn select_op(&self) -> R::Op<'_> {
        (**self).select_op()
    }

    fn addr(&self) -> *const () {
        (**self).addr()
    }
}

/// A reference sends as what it refers to.
impl<S: SelectSend + ?Sized> SelectSend for &S {
    type Msg = S::Msg;
    type Granted = S::Granted;
    type Op<'a>
        = S::Op<'a>
    where
        Self: 'a;
    const KIND: Kind = S::KIND;

    fn select_op(&self) -> S::Op<'_> {
        (**self).select_op()
    }

    fn addr(&self) -> *const () {
        (**self).addr()
    }

    fn send_granted(&self, granted: S::Granted, msg: S::Msg) -> Result<(), SendError<S::Msg>> {
        (**self).send_granted(granted, msg)
    }
}

/// A selected receive hands over what it took (for the macros).
#[doc(hidden)]
pub trait FinishRecv {
    type Output;
    fn finish(&mut self) -> Self::Output;
}

/// A selected send sends its message (for the macros).
#[doc(hidden)]
pub trait FinishSend {
    type Msg;
    fn finish(&mut self, msg: Self::Msg) -> Result<(), SendError<Self::Msg>>;
}

mod sharing {
    use super::{Box, Fresh, Operation};

    /// Whether a [`Select`](crate::Select) may cross threads:
    /// [`Shared`](crate::Shared) (`Send + Sync`, the default) or
    /// [`Local`](crate::Local). (Sealed: the crate's two markers only.)
    pub trait Sharing: 'static {
        /// An operation as the select keeps it.
        #[doc(hidden)]
        type Held<'a>: ?Sized + Held<'a, Self> + 'a;
    }

    /// An operation as a select keeps it: boxed, as its sharing asks.
    pub trait Held<'a, S: Sharing + ?Sized>: Operation + AsOp + 'a {
        fn boxed(self) -> Box<S::Held<'a>>
        where
            Self: Sized;

        fn fresh_boxed(&self) -> Box<S::Held<'a>>;
    }

    /// An operation as a plain one, for a `SelectedOperation`. (A method rather than an upcast:
    /// trait upcasting needs Rust 1.86, the crate supports 1.81. The wait
    /// itself calls the held operation through its own vtable.)
    pub trait AsOp {
        fn as_op(&mut self) -> &mut dyn Operation;
    }

    impl<O: Operation> AsOp for O {
        fn as_op(&mut self) -> &mut dyn Operation {
            self
        }
    }

    /// A [`Select`](crate::Select) that is `Send + Sync`: its operations
    /// are (their messages are `Send`). The default.
    ///
    /// # Examples
    ///
    /// ```
    /// fn shared<T: Send + Sync>(_: &T) {}
    /// let (_tx, rx) = tidings::unbounded::<u8>();
    /// let mut sel: tidings::Select<'_, tidings::Shared> = tidings::Select::new();
    /// sel.recv(&rx);
    /// shared(&sel);
    /// ```
    #[derive(Clone, Copy, Debug)]
    pub struct Shared;

    /// A [`Select`](crate::Select) that stays on its thread
    /// ([`LocalSelect`](crate::LocalSelect)): it also holds operations that
    /// are not `Send` or `Sync`, the receives of broadcast, oneshot and
    /// multishot receivers.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = tidings::oneshot::channel();
    /// let mut sel: tidings::Select<'_, tidings::Local> = tidings::Select::new_local();
    /// sel.recv(&rx);
    /// tx.send(5).unwrap();
    /// assert_eq!(sel.select().recv(&rx), Ok(5));
    /// ```
    #[derive(Clone, Copy, Debug)]
    pub struct Local;

    impl Sharing for Shared {
        type Held<'a> = dyn Held<'a, Shared> + Send + Sync + 'a;
    }

    impl Sharing for Local {
        type Held<'a> = dyn Held<'a, Local> + 'a;
    }

    impl<'a, O: Operation + Fresh + Send + Sync + 'a> Held<'a, Shared> for O {
        fn boxed(self) -> Box<<Shared as Sharing>::Held<'a>> {
            Box::new(self)
        }

        fn fresh_boxed(&self) -> Box<<Shared as Sharing>::Held<'a>> {
            Box::new(self.fresh())
        }
    }

    impl<'a, O: Operation + Fresh + 'a> Held<'a, Local> for O {
        fn boxed(self) -> Box<<Local as Sharing>::Held<'a>> {
            Box::new(self)
        }

        fn fresh_boxed(&self) -> Box<<Local as Sharing>::Held<'a>> {
            Box::new(self.fresh())
        }
    }
}
use sharing::{AsOp, Held};
pub use sharing::{Local, Shared, Sharing};

impl<H: Operation + ?Sized> Ops for [Option<Box<H>>] {
    type Op = H;

    #[inline]
    fn op(&mut self, index: usize) -> Option<&mut H> {
        self[index].as_deref_mut()
    }
}

/// A [`Select`] that stays on its thread: it takes every receiver of the
/// crate, broadcast, oneshot and multishot ones too, whose receives are
/// not `Send` or `Sync`. Made with [`Select::new_local`] or
/// [`Select::new_local_biased`]; used as a [`Select`].
///
/// # Examples
///
/// ```
/// let (btx, mut brx) = tidings::broadcast::channel::<u8>(4);
/// let (otx, orx) = tidings::oneshot::channel::<&str>();
/// let mut sel = tidings::LocalSelect::new_local();
/// let news = sel.recv(&brx);
/// let done = sel.recv(&orx);
/// btx.send(1).unwrap();
/// let oper = sel.select();
/// assert_eq!(oper.index(), news);
/// assert_eq!(oper.recv(&brx), Ok(1));
/// otx.send("bye").unwrap();
/// let oper = sel.select();
/// assert_eq!(oper.index(), done);
/// assert_eq!(oper.recv(&orx), Ok("bye"));
/// # drop(sel);
/// # let _ = brx.try_recv();
/// ```
pub type LocalSelect<'a> = Select<'a, Local>;

/// Waits on several operations at once, as crossbeam-channel's `Select`:
/// add receives ([`recv`](Self::recv)) and sends ([`send`](Self::send)),
/// then wait for one to finish ([`select`](Self::select) and its forms)
/// or to be ready ([`ready`](Self::ready) and its forms). Each wait comes
/// blocking, without waiting, with a timeout or a deadline, and as a
/// future.
///
/// A select created with [`new`](Self::new) picks among operations ready
/// at once at random, each as likely; one created with
/// [`new_biased`](Self::new_biased) picks the first added. (A fair select
/// tries an mpmc operation whose channel another thread is using at that
/// instant after the others, rather than wait for it: under contention
/// its choice leans a little toward the idle channels.)
///
/// A `Select` is `Clone`, `Send` and `Sync` (its operations' messages must
/// be `Send`), so it holds the receives and sends of the mpmc channels
/// and the timers. A [`LocalSelect`] (`Select<'a, Local>`, made with
/// [`Select::new_local`]) has the same API, stays on its thread and also
/// holds the receives of broadcast, oneshot and multishot receivers. A
/// oneshot's message that a `LocalSelect` took and did not hand over (its
/// [`SelectedOperation`] dropped) cannot go back into the oneshot: the
/// select keeps it for its next select of that receiver, and drops it
/// with itself. Adding operations allocates; a select that finds an
/// operation ready at once allocates nothing; otherwise (it waits, or
/// lists its operations once before giving up) it allocates its claim
/// (one small `Arc`), and an entry only in a channel that has no spare one
/// left by an earlier wait.
///
/// # Examples
///
/// ```
/// use tidings::Select;
///
/// let (tx1, rx1) = tidings::unbounded::<&str>();
/// let (tx2, rx2) = tidings::bounded::<i32>(1);
/// tx1.send("hello").unwrap();
///
/// let mut sel = Select::new();
/// let recv1 = sel.recv(&rx1);
/// let send2 = sel.send(&tx2);
/// for _ in 0..2 {
///     let oper = sel.select();
///     match oper.index() {
///         i if i == recv1 => assert_eq!(oper.recv(&rx1), Ok("hello")),
///         i if i == send2 => oper.send(&tx2, 5).unwrap(),
///         _ => unreachable!(),
///     }
/// }
/// assert_eq!(rx2.try_recv(), Ok(5));
/// ```
pub struct Select<'a, S: Sharing = Shared> {
    ops: Vec<Option<Box<S::Held<'a>>>>,
    /// The order of the next try: the indices of the operations added, as
    /// added (biased), or as the last select shuffled them (fair: a
    /// Fisher-Yates shuffle gives every order alike from any start, so it
    /// is not reset between selects).
    order: Vec<usize>,
    /// Operations added and not removed.
    live: usize,
    biased: bool,
    rng: Rng,
}

impl<'a> Select<'a> {
    /// A select with no operations, that picks fairly among those ready.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut sel = tidings::Select::new();
    /// assert!(sel.try_select().is_err(), "nothing to select");
    /// ```
    pub fn new() -> Self {
        Self::empty(false)
    }

    /// A select with no operations, that picks the first added among those
    /// ready.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx1, rx1) = tidings::unbounded();
    /// let (tx2, rx2) = tidings::unbounded();
    /// tx1.send(1).unwrap();
    /// tx2.send(2).unwrap();
    ///
    /// let mut sel = tidings::Select::new_biased();
    /// sel.recv(&rx1);
    /// sel.recv(&rx2);
    /// let oper = sel.select();
    /// assert_eq!(oper.index(), 0);
    /// assert_eq!(oper.recv(&rx1), Ok(1));
    /// ```
    pub fn new_biased() -> Self {
        Self::empty(true)
    }
}

impl<'a> Select<'a, Local> {
    /// A [`LocalSelect`] with no operations, that picks fairly among those
    /// ready.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = tidings::broadcast::channel(2);
    /// let mut sel = tidings::Select::new_local();
    /// sel.recv(&rx);
    /// tx.send('a').unwrap();
    /// assert_eq!(sel.select().recv(&rx), Ok('a'));
    /// # drop(sel);
    /// # let _ = rx.try_recv();
    /// ```
    pub fn new_local() -> Self {
        Self::empty(false)
    }

    /// A [`LocalSelect`] with no operations, that picks the first added
    /// among those ready.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx1, rx1) = tidings::oneshot::channel();
    /// let (tx2, rx2) = tidings::oneshot::channel();
    /// tx1.send(1).unwrap();
    /// tx2.send(2).unwrap();
    /// let mut sel = tidings::Select::new_local_biased();
    /// sel.recv(&rx1);
    /// sel.recv(&rx2);
    /// assert_eq!(sel.select().recv(&rx1), Ok(1));
    /// ```
    pub fn new_local_biased() -> Self {
        Self::empty(true)
    }
}

impl<'a, S: Sharing> Select<'a, S> {
    fn empty(biased: bool) -> Self {
        Self {
            ops: Vec::new(),
            order: Vec::new(),
            live: 0,
            biased,
            rng: Rng::from_thread(),
        }
    }

    fn add(&mut self, op: Box<S::Held<'a>>) -> usize {
        self.ops.push(Some(op));
        self.live += 1;
        let index = self.ops.len() - 1;
        self.order.push(index);
        index
    }

    /// Adds a receive from `r`; returns its index.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = tidings::unbounded();
    /// let mut sel = tidings::Select::new();
    /// let index = sel.recv(&rx);
    /// tx.send(3).unwrap();
    /// let oper = sel.select();
    /// assert_eq!(oper.index(), index);
    /// assert_eq!(oper.recv(&rx), Ok(3));
    /// ```
    pub fn recv<R: SelectRecv>(&mut self, r: &'a R) -> usize
    where
        R::Op<'a>: Held<'a, S>,
    {
        self.add(r.select_op().boxed())
    }

    /// Adds a send on `s`; returns its index. The message is given once
    /// the send is selected ([`SelectedOperation::send`]).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = tidings::bounded(1);
    /// let mut sel = tidings::Select::new();
    /// let index = sel.send(&tx);
    /// let oper = sel.select();
    /// assert_eq!(oper.index(), index);
    /// oper.send(&tx, 'x').unwrap();
    /// assert_eq!(rx.try_recv(), Ok('x'));
    /// ```
    pub fn send<T: SelectSend>(&mut self, s: &'a T) -> usize
    where
        T::Op<'a>: Held<'a, S>,
    {
        self.add(s.select_op().boxed())
    }

    /// Removes the operation added with `index`. The other operations keep
    /// their indices, and indices are not reused.
    ///
    /// # Panics
    ///
    /// If no operation was added with `index`, or it was removed already.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx1, rx1) = tidings::unbounded::<i32>();
    /// let (_, rx2) = tidings::unbounded::<i32>();
    /// let mut sel = tidings::Select::new();
    /// let recv1 = sel.recv(&rx1);
    /// let recv2 = sel.recv(&rx2);
    ///
    /// // rx2's senders are gone: its receive is ready, with the end.
    /// let oper = sel.select();
    /// assert_eq!(oper.index(), recv2);
    /// assert!(oper.recv(&rx2).is_err());
    /// sel.remove(recv2);
    ///
    /// tx1.send(10).unwrap();
    /// let oper = sel.select();
    /// assert_eq!(oper.index(), recv1);
    /// assert_eq!(oper.recv(&rx1), Ok(10));
    /// ```
    pub fn remove(&mut self, index: usize) {
        assert!(
            index < self.ops.len(),
            "no operation was added with index {index}"
        );
        assert!(
            self.ops[index].take().is_some(),
            "the operation with index {index} was removed already"
        );
        // (Its index stays in `order`: a removed operation is skipped.)
        self.live -= 1;
    }

    /// The wait of one call, over the operations.
    #[inline]
    fn selection(&mut self, mode: Mode) -> Selection<'_, [Option<Box<S::Held<'a>>>]> {
        Selection {
            ops: &mut self.ops[..],
            order: &mut self.order,
            rng: (!self.biased).then_some(&mut self.rng),
            mode,
            blocking: true,
            list_first: false,
        }
    }

    #[inline]
    fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// Runs a wait to its end: `None` if `deadline` passed first.
    #[inline]
    fn wait(&mut self, mode: Mode, deadline: Option<Instant>) -> Option<usize> {
        wait(self.selection(mode), deadline)
    }

    #[inline]
    fn selected(&mut self, index: usize) -> SelectedOperation<'_> {
        let op = self.ops[index]
            .as_mut()
            .expect("a selected operation is there")
            .as_op();
        SelectedOperation {
            op: Some(op),
            index,
        }
    }

    /// Waits until one operation finishes, blocking the thread.
    ///
    /// # Panics
    ///
    /// If the select has no operations (it would wait forever).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = tidings::bounded(0);
    /// std::thread::spawn(move || tx.send("hi").unwrap());
    /// let mut sel = tidings::Select::new();
    /// sel.recv(&rx);
    /// assert_eq!(sel.select().recv(&rx), Ok("hi"));
    /// ```
    #[inline]
    pub fn select(&mut self) -> SelectedOperation<'_> {
        assert!(!self.is_empty(), "the select has no operations");
        let index = self.wait(Mode::Select, None).expect("no deadline");
        self.selected(index)
    }

    /// Finishes an operation that can finish now, without waiting.
    ///
    /// # Errors
    ///
    /// [`TrySelectError`] if none can.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = tidings::unbounded();
    /// let mut sel = tidings::Select::new();
    /// sel.recv(&rx);
    /// assert!(sel.try_select().is_err());
    /// tx.send(1).unwrap();
    /// assert_eq!(sel.try_select().unwrap().recv(&rx), Ok(1));
    /// ```
    pub fn try_select(&mut self) -> Result<SelectedOperation<'_>, TrySelectError> {
        match self.wait(Mode::Select, Some(Instant::now())) {
            Some(index) => Ok(self.selected(index)),
            None => Err(TrySelectError),
        }
    }

    /// Like [`select`](Self::select), waiting at most `timeout` (a
    /// timeout too large to represent waits forever).
    ///
    /// # Errors
    ///
    /// [`SelectTimeoutError`] if no operation finished in time.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let (_tx, rx) = tidings::unbounded::<u8>();
    /// let mut sel = tidings::Select::new();
    /// sel.recv(&rx);
    /// assert!(sel.select_timeout(Duration::from_millis(5)).is_err());
    /// ```
    pub fn select_timeout(
        &mut self,
        timeout: Duration,
    ) -> Result<SelectedOperation<'_>, SelectTimeoutError> {
        self.select_until(Instant::now().checked_add(timeout))
    }

    /// Like [`select`](Self::select), waiting until `deadline` at most.
    ///
    /// # Errors
    ///
    /// [`SelectTimeoutError`] if no operation finished in time.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    ///
    /// let (tx, rx) = tidings::unbounded();
    /// tx.send(1).unwrap();
    /// let mut sel = tidings::Select::new();
    /// sel.recv(&rx);
    /// let deadline = Instant::now() + Duration::from_secs(1);
    /// assert_eq!(sel.select_deadline(deadline).unwrap().recv(&rx), Ok(1));
    /// ```
    pub fn select_deadline(
        &mut self,
        deadline: Instant,
    ) -> Result<SelectedOperation<'_>, SelectTimeoutError> {
        self.select_until(Some(deadline))
    }

    fn select_until(
        &mut self,
        deadline: Option<Instant>,
    ) -> Result<SelectedOperation<'_>, SelectTimeoutError> {
        match self.wait(Mode::Select, deadline) {
            Some(index) => Ok(self.selected(index)),
            None => Err(SelectTimeoutError),
        }
    }

    /// Waits until one operation is ready, blocking the thread; returns
    /// its index. Nothing is taken: another thread may take what was
    /// ready before the caller does.
    ///
    /// # Panics
    ///
    /// If the select has no operations (it would wait forever).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = tidings::unbounded();
    /// tx.send(1).unwrap();
    /// let mut sel = tidings::Select::new();
    /// let index = sel.recv(&rx);
    /// assert_eq!(sel.ready(), index);
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// ```
    pub fn ready(&mut self) -> usize {
        assert!(!self.is_empty(), "the select has no operations");
        self.wait(Mode::Ready, None).expect("no deadline")
    }

    /// The index of an operation ready now, without waiting.
    ///
    /// # Errors
    ///
    /// [`TryReadyError`] if none is.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = tidings::bounded(1);
    /// let mut sel = tidings::Select::new();
    /// sel.send(&tx);
    /// assert_eq!(sel.try_ready(), Ok(0));
    /// tx.send(1).unwrap();
    /// assert!(sel.try_ready().is_err(), "full");
    /// # drop(rx);
    /// ```
    pub fn try_ready(&mut self) -> Result<usize, TryReadyError> {
        self.wait(Mode::Ready, Some(Instant::now()))
            .ok_or(TryReadyError)
    }

    /// Like [`ready`](Self::ready), waiting at most `timeout` (a timeout
    /// too large to represent waits forever).
    ///
    /// # Errors
    ///
    /// [`ReadyTimeoutError`] if no operation was ready in time.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let (_tx, rx) = tidings::unbounded::<u8>();
    /// let mut sel = tidings::Select::new();
    /// sel.recv(&rx);
    /// assert!(sel.ready_timeout(Duration::from_millis(5)).is_err());
    /// ```
    pub fn ready_timeout(&mut self, timeout: Duration) -> Result<usize, ReadyTimeoutError> {
        self.wait(Mode::Ready, Instant::now().checked_add(timeout))
            .ok_or(ReadyTimeoutError)
    }

    /// Like [`ready`](Self::ready), waiting until `deadline` at most.
    ///
    /// # Errors
    ///
    /// [`ReadyTimeoutError`] if no operation was ready in time.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    ///
    /// let (tx, rx) = tidings::unbounded();
    /// tx.send(1).unwrap();
    /// let mut sel = tidings::Select::new();
    /// sel.recv(&rx);
    /// assert_eq!(sel.ready_deadline(Instant::now() + Duration::from_secs(1)), Ok(0));
    /// ```
    pub fn ready_deadline(&mut self, deadline: Instant) -> Result<usize, ReadyTimeoutError> {
        self.wait(Mode::Ready, Some(deadline))
            .ok_or(ReadyTimeoutError)
    }

    /// Waits until one operation finishes, as a future: the async form of
    /// [`select`](Self::select), for any executor. A select with no
    /// operations never finishes.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a future dropped before it finished leaves nothing
    /// behind (no entry listed, no message taken, no slot held); one that
    /// finished hands over a [`SelectedOperation`], which holds what its
    /// operation took (see there for what dropping it does).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = tidings::unbounded();
    /// let mut sel = tidings::Select::new();
    /// sel.recv(&rx);
    /// tx.send(4).unwrap();
    /// let oper = pollster::block_on(sel.select_async());
    /// assert_eq!(oper.recv(&rx), Ok(4));
    /// ```
    pub fn select_async(&mut self) -> SelectFuture<'_, 'a, S> {
        SelectFuture {
            select: Some(self),
            waiter: Waiter::default(),
        }
    }

    /// Waits until one operation is ready, as a future; gives its index:
    /// the async form of [`ready`](Self::ready). A select with no
    /// operations never finishes.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: nothing is taken, and a future dropped leaves nothing
    /// listed.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = tidings::unbounded();
    /// let mut sel = tidings::Select::new();
    /// sel.recv(&rx);
    /// tx.send(4).unwrap();
    /// assert_eq!(pollster::block_on(sel.ready_async()), 0);
    /// ```
    pub fn ready_async(&mut self) -> ReadyFuture<'_, 'a, S> {
        ReadyFuture {
            select: self,
            waiter: Waiter::default(),
        }
    }
}

impl Default for Select<'_> {
    fn default() -> Self {
        Self::new()
    }
}

impl<S: Sharing> Clone for Select<'_, S> {
    /// The same operations on the same handles, with the same indices.
    fn clone(&self) -> Self {
        Self {
            ops: self
                .ops
                .iter()
                .map(|op| op.as_ref().map(|op| op.fresh_boxed()))
                .collect(),
            order: self.order.clone(),
            live: self.live,
            biased: self.biased,
            rng: Rng::from_thread(),
        }
    }
}

impl<S: Sharing> fmt::Debug for Select<'_, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Select")
            .field("operations", &self.ops.iter().flatten().count())
            .field("biased", &self.biased)
            .finish()
    }
}

/// Runs a blocking select's wait to its end: `None` if `deadline` passed
/// first. It tries every operation, then waits; a deadline that has
/// passed already (`try_select`, `default`, a zero timeout) still lists
/// every operation once before it gives up (`block::run_once`), so that a
/// message that is in one of the channels at every moment of the call is
/// never missed (crossbeam's select is linearizable so too).
#[inline]
fn wait<O: Ops + ?Sized>(
    mut selection: Selection<'_, O>,
    deadline: Option<Instant>,
) -> Option<usize> {
    if let Some(index) = selection.try_once() {
        return Some(index);
    }
    let mut op = Blocking {
        selection,
        waiter: Waiter::default(),
    };
    if deadline.is_some_and(|deadline| Instant::now() >= deadline) {
        return crate::wait::block::run_once(&mut op).ok();
    }
    crate::wait::block::run(&mut op, deadline).ok()
}

/// A blocking wait, as the blocking driver runs it.
struct Blocking<'s, O: ?Sized> {
    selection: Selection<'s, O>,
    waiter: Waiter,
}

impl<O: Ops + ?Sized> crate::wait::block::Op for Blocking<'_, O> {
    type Output = usize;
    type TimedOut = ();

    fn try_now(&mut self) -> Poll<usize> {
        match self.selection.try_once() {
            Some(index) => Poll::Ready(index),
            None => Poll::Pending,
        }
    }

    fn poll(&mut self, cx: &mut Context<'_>, tried: bool) -> Poll<usize> {
        self.selection.poll(&mut self.waiter, cx, tried)
    }

    fn cancel(&mut self) -> Result<usize, ()> {
        self.selection.cancel(&mut self.waiter).ok_or(())
    }

    fn abandon(&mut self) {
        self.selection.abandon(&mut self.waiter);
    }

    fn due(&mut self) -> Option<Instant> {
        self.selection.due(&self.waiter)
    }
}

/// An operation a select chose: complete it with the handle it was added
/// with, [`recv`](Self::recv) for a receive, [`send`](Self::send) for a
/// send.
///
/// A selected receive has already taken its message (or seen the end); a
/// selected send holds the right to send one (a slot of a bounded
/// channel, or a receiver waiting on a rendezvous). Dropping it without
/// completing it gives back what it holds: the message goes back to the
/// front of its channel, the slot to the next sender. (crossbeam panics
/// then; here nothing is lost either way.) A oneshot's message cannot go
/// back into the oneshot: the [`LocalSelect`] keeps it, and its next
/// select of that receiver gives it first.
///
/// # Examples
///
/// ```
/// let (tx, rx) = tidings::unbounded();
/// tx.send(1).unwrap();
/// let mut sel = tidings::Select::new();
/// sel.recv(&rx);
/// drop(sel.select()); // not completed: the message goes back
/// assert_eq!(rx.try_recv(), Ok(1));
/// ```
#[must_use = "complete the operation with `recv` or `send`"]
pub struct SelectedOperation<'a> {
    /// `None` once completed.
    op: Option<&'a mut dyn Operation>,
    index: usize,
}

impl SelectedOperation<'_> {
    /// The index of the operation, as [`Select::recv`] or [`Select::send`]
    /// returned it.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = tidings::bounded::<u8>(1);
    /// let mut sel = tidings::Select::new();
    /// let recv = sel.recv(&rx);
    /// let send = sel.send(&tx);
    /// let oper = sel.select();
    /// assert_eq!(oper.index(), send, "only the send is ready");
    /// oper.send(&tx, 1).unwrap();
    /// # let _ = recv;
    /// ```
    pub fn index(&self) -> usize {
        self.index
    }

    /// Takes the operation, checking that `handle` (of kind `kind`) is the
    /// one it was added with.
    #[inline]
    fn take(&mut self, handle: *const (), kind: Kind) -> &mut dyn Operation {
        let op = self.op.as_mut().expect("completed once");
        // (Checked before it is taken: a panic here leaves it to `Drop`,
        // which gives back what it holds.)
        assert!(
            op.handle() == (handle, kind),
            "the handle passed is not the one the selected operation was added with"
        );
        self.op.take().expect("checked above")
    }

    /// Completes a selected receive: the message it took, or the end.
    ///
    /// # Panics
    ///
    /// If `r` is not the receiver the operation was added with.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = tidings::unbounded::<u8>();
    /// drop(tx);
    /// let mut sel = tidings::Select::new();
    /// sel.recv(&rx);
    /// assert_eq!(sel.select().recv(&rx), Err(tidings::RecvError));
    /// ```
    #[inline]
    pub fn recv<R: SelectRecv>(mut self, r: &R) -> R::Output {
        let op = self.take(r.addr(), R::KIND);
        let outcome = op.outcome().cast::<Option<R::Output>>();
        // SAFETY: the operation was made by `R::op` on this very handle (`take` checked its address and kind, and both are alive: the select borrows the one, the caller the other, so they are the same `R`), and such an operation keeps its outcome as an `Option<R::Output>` at `outcome()`; `op` is borrowed mutably here, so nothing else touches it.
        let got = unsafe { (*outcome).take() };
        got.expect("a selected receive kept its outcome")
    }

    /// Completes a selected send with `msg`. A send on a rendezvous gives
    /// it to the receiver that was waiting (a blocked thread takes it at
    /// once; otherwise it waits in the channel for the first receiver).
    ///
    /// # Errors
    ///
    /// [`SendError`] with the message if the channel closed.
    ///
    /// # Panics
    ///
    /// If `s` is not the sender the operation was added with.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = tidings::bounded(1);
    /// let mut sel = tidings::Select::new();
    /// sel.send(&tx);
    /// sel.select().send(&tx, 9).unwrap();
    /// drop(rx);
    /// assert!(sel.select().send(&tx, 10).is_err(), "closed");
    /// ```
    #[inline]
    pub fn send<S: SelectSend>(mut self, s: &S, msg: S::Msg) -> Result<(), SendError<S::Msg>> {
        let op = self.take(s.addr(), S::KIND);
        let outcome = op.outcome().cast::<Option<S::Granted>>();
        // SAFETY: as in `recv`: the operation was made by `S::op` on this handle, and keeps its outcome as an `Option<S::Granted>` at `outcome()`.
        let granted = unsafe { (*outcome).take() };
        s.send_granted(granted.expect("a selected send kept its outcome"), msg)
    }
}

impl Drop for SelectedOperation<'_> {
    #[inline]
    fn drop(&mut self) {
        if let Some(op) = self.op.take() {
            op.clear();
        }
    }
}

impl fmt::Debug for SelectedOperation<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SelectedOperation")
            .field("index", &self.index)
            .finish_non_exhaustive()
    }
}

/// The future of [`Select::select_async`]: a [`SelectedOperation`] once one
/// operation finishes.
///
/// # Cancel safety
///
/// Cancel safe: see [`Select::select_async`].
///
/// # Examples
///
/// ```
/// let (tx, rx) = tidings::bounded(1);
/// let mut sel = tidings::Select::new();
/// sel.send(&tx);
/// pollster::block_on(sel.select_async()).send(&tx, 1).unwrap();
/// assert_eq!(rx.try_recv(), Ok(1));
/// ```
#[must_use = "futures do nothing unless polled"]
pub struct SelectFuture<'s, 'a, S: Sharing = Shared> {
    /// `None` once it finished.
    select: Option<&'s mut Select<'a, S>>,
    waiter: Waiter,
}

impl<'s, 'a, S: Sharing> Future for SelectFuture<'s, 'a, S> {
    type Output = SelectedOperation<'s>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<SelectedOperation<'s>> {
        let this = self.get_mut();
        let select = this.select.as_mut().expect("polled after it finished");
        let index = ready(select, &mut this.waiter, Mode::Select, cx);
        let Poll::Ready(index) = index else {
            return Poll::Pending;
        };
        let select = this.select.take().expect("checked above");
        Poll::Ready(select.selected(index))
    }
}

/// One poll of a select future's wait.
fn ready<S: Sharing>(
    select: &mut Select<'_, S>,
    waiter: &mut Waiter,
    mode: Mode,
    cx: &mut Context<'_>,
) -> Poll<usize> {
    let mut selection = Selection {
        ops: &mut select.ops[..],
        order: &mut select.order,
        rng: (!select.biased).then_some(&mut select.rng),
        mode,
        blocking: false,
        list_first: false,
    };
    selection.poll(waiter, cx, false)
}

/// Abandons a select future's wait (dropped before it finished).
fn abandon<S: Sharing>(select: &mut Select<'_, S>, waiter: &mut Waiter, mode: Mode) {
    let mut selection = Selection {
        ops: &mut select.ops[..],
        order: &mut select.order,
        rng: None,
        mode,
        blocking: false,
        list_first: false,
    };
    selection.abandon(waiter);
}

impl<S: Sharing> Drop for SelectFuture<'_, '_, S> {
    fn drop(&mut self) {
        if let Some(select) = self.select.as_mut() {
            abandon(select, &mut self.waiter, Mode::Select);
        }
    }
}

impl<S: Sharing> fmt::Debug for SelectFuture<'_, '_, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SelectFuture")
            .field("done", &self.select.is_none())
            .finish_non_exhaustive()
    }
}

#[cfg(feature = "futures")]
impl<S: Sharing> futures_core::FusedFuture for SelectFuture<'_, '_, S> {
    fn is_terminated(&self) -> bool {
        self.select.is_none()
    }
}

/// The future of [`Select::ready_async`]: the index of an operation once
/// it is ready.
///
/// # Cancel safety
///
/// Cancel safe: see [`Select::ready_async`].
///
/// # Examples
///
/// ```
/// let (tx, rx) = tidings::unbounded();
/// let mut sel = tidings::Select::new();
/// sel.recv(&rx);
/// tx.send(()).unwrap();
/// assert_eq!(pollster::block_on(sel.ready_async()), 0);
/// ```
#[must_use = "futures do nothing unless polled"]
pub struct ReadyFuture<'s, 'a, S: Sharing = Shared> {
    select: &'s mut Select<'a, S>,
    waiter: Waiter,
}

impl<S: Sharing> Future for ReadyFuture<'_, '_, S> {
    type Output = usize;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<usize> {
        let this = self.get_mut();
        ready(this.select, &mut this.waiter, Mode::Ready, cx)
    }
}

impl<S: Sharing> Drop for ReadyFuture<'_, '_, S> {
    fn drop(&mut self) {
        abandon(self.select, &mut self.waiter, Mode::Ready);
    }
}

impl<S: Sharing> fmt::Debug for ReadyFuture<'_, '_, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReadyFuture").finish_non_exhaustive()
    }
}

/// What the macros expand to (not a public API).
#[doc(hidden)]
pub mod __private {
    pub use super::engine::{Fresh, Operation};
    pub use super::future::{FutureArm, Polling};
    use super::{arrange, Mode, Rng, Selection};
    pub use super::{FinishRecv, FinishSend, SelectRecv, SelectSend};
    use std::time::{Duration, Instant};

    /// How long a macro's select waits.
    #[derive(Clone, Copy, Debug)]
    pub enum Wait {
        /// Until an operation finishes.
        Forever,
        /// Not at all (`default`).
        Never,
        /// At most this long (`default(timeout)`).
        For(Duration),
    }

    impl Wait {
        /// When the `default` arm runs, counted from now (`None`: never).
        #[inline]
        pub fn deadline(self) -> Option<Instant> {
            match self {
                Wait::Forever => None,
                Wait::Never => Some(Instant::now()),
                Wait::For(timeout) => Instant::now().checked_add(timeout),
            }
        }
    }

    /// Runs a macro's select: the index of the operation that finished,
    /// `None` if none did in the time given.
    pub fn run<const N: usize>(
        ops: &mut [&mut dyn Operation; N],
        biased: bool,
        wait: Wait,
    ) -> Option<usize> {
        let mut order = [0; N];
        arrange(&mut order);
        let mut rng = (!biased).then(Rng::from_thread);
        let selection = Selection {
            ops: &mut ops[..],
            order: &mut order,
            rng: rng.as_mut(),
            mode: Mode::Select,
            blocking: true,
            list_first: false,
        };
        super::wait(selection, wait.deadline())
    }
}
