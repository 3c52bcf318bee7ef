//! The engine every component runs on: one `mio::Poll` per handle, timers,
//! and the dispatch of events with no lock held while user code runs
//! (docs/API.md §5, docs/ARCHITECTURE.md "The event flow").
//!
//! Locks: `state` guards the component and is held only for short, non-blocking
//! steps; `poll` is the dispatch lock, held by the one thread that waits in
//! `mio::Poll` and fires events. A callback runs with neither held, so it may
//! call back into the handle. Callbacks never nest: `do_events` from inside a
//! callback fails with 909, and a blocking send from a callback waits on its
//! own socket with `poll(2)` instead of dispatching.

use std::os::fd::{AsRawFd, RawFd};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use mio::{Events, Poll, Registry, Token, Waker};
use parking_lot::{Mutex, MutexGuard, RwLock};

use super::error::{codes, Error, Result};

/// The token of the waker; components use tokens from [`FIRST_COMPONENT_TOKEN`].
pub(crate) const WAKER_TOKEN: Token = Token(0);
pub(crate) const FIRST_COMPONENT_TOKEN: usize = 1;
/// How long a blocking send may keep moving bytes before the other
/// connections' events get a dispatch round.
const FAIRNESS_SLICE: Duration = Duration::from_millis(10);

/// What a component must provide to be driven by the engine.
pub trait Component: Send + 'static {
    type Event: Send;

    /// Records the readiness of one socket (no events fire here).
    fn on_ready(&mut self, event: &mio::event::Event);
    /// Handles the timers that are due at `now`.
    fn on_timers(&mut self, now: Instant);
    /// When the next timer is due.
    fn next_deadline(&self) -> Option<Instant>;
    /// Work that needs no waiting: buffered input, queued events.
    fn has_pending(&self) -> bool;
    /// The next event to fire, produced lazily so that a callback's changes
    /// (PauseData, ChangeRecordLength, Disconnect) apply to what follows.
    fn next_event(&mut self) -> Option<Self::Event>;
    /// Applies what the callback wrote into the event (Accept, ...).
    fn event_done(&mut self, event: Self::Event);
    /// Whether `event_done` has anything to do for this event (saves a lock
    /// per event on the hot path, e.g. for DataIn).
    fn needs_done(_event: &Self::Event) -> bool {
        true
    }
    /// Closes everything without firing events (`close`). Idempotent.
    fn close_silently(&mut self);
    /// `SelectWaitMillis`.
    fn select_wait(&self) -> Duration;
}

/// Progress of a blocking operation's step.
pub enum Step<R> {
    Done(R),
    /// Some bytes moved: the inactivity timeout starts again.
    Progress,
    /// Nothing could move; wait for the socket to take data.
    Blocked,
    /// Nothing to send: wait for the peer's answer (an OFTP SFPA or CDT).
    /// From inside a callback the wait is for readability, and the step
    /// reads the socket itself (no round runs there to read it).
    AwaitingPeer,
}

pub type Handler<E> = Arc<dyn Fn(&mut E) + Send + Sync>;

struct PollState {
    poll: Poll,
    events: Events,
}

pub struct Engine<C: Component> {
    state: Mutex<C>,
    poll: Mutex<PollState>,
    waker: Arc<Waker>,
    handler: RwLock<Option<Handler<C::Event>>>,
    /// The thread currently dispatching (0: none).
    dispatcher: AtomicU64,
    /// A thread is waiting in `Poll::poll`.
    waiting: AtomicBool,
    closed: AtomicBool,
    /// Connections with a pending `Interrupt` (its own small lock, never the
    /// handle's, so any thread can interrupt a blocked one).
    interrupts: Mutex<Vec<i64>>,
    poll_fd: RawFd,
}

fn thread_token() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    thread_local!(static TOKEN: u64 = NEXT.fetch_add(1, Ordering::Relaxed));
    TOKEN.with(|t| *t)
}

/// Resets the dispatcher mark however the dispatch ends.
struct DispatchMark<'a>(&'a AtomicU64, u64);
impl Drop for DispatchMark<'_> {
    fn drop(&mut self) {
        self.0.store(self.1, Ordering::Release);
    }
}

impl<C: Component> Engine<C> {
    /// Creates the poll, the waker, and the component (which registers its
    /// sockets with the registry it is given).
    pub fn new(make: impl FnOnce(Registry, Arc<Waker>) -> C) -> Result<Arc<Self>> {
        let poll = Poll::new()?;
        let waker = Arc::new(Waker::new(poll.registry(), WAKER_TOKEN)?);
        let registry = poll.registry().try_clone()?;
        let poll_fd = poll.as_raw_fd();
        let component = make(registry, waker.clone());
        Ok(Arc::new(Engine {
            state: Mutex::new(component),
            poll: Mutex::new(PollState { poll, events: Events::with_capacity(1024) }),
            waker,
            handler: RwLock::new(None),
            dispatcher: AtomicU64::new(0),
            waiting: AtomicBool::new(false),
            closed: AtomicBool::new(false),
            interrupts: Mutex::new(Vec::new()),
            poll_fd,
        }))
    }

    pub fn set_handler(&self, handler: Option<Handler<C::Event>>) {
        *self.handler.write() = handler;
    }

    /// Locks the component for a short step. A call from another thread wakes a
    /// `do_events` that is waiting, so it never waits out `SelectWaitMillis`.
    pub fn lock(&self) -> MutexGuard<'_, C> {
        if self.waiting.load(Ordering::Acquire) && self.dispatcher.load(Ordering::Acquire) != thread_token() {
            let _ = self.waker.wake();
        }
        self.state.lock()
    }

    pub fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    /// True while the calling thread is inside one of this engine's callbacks.
    pub fn in_callback(&self) -> bool {
        self.dispatcher.load(Ordering::Acquire) == thread_token()
    }

    /// `DoEvents`: handles all ready I/O and due timers, firing events; waits up
    /// to `SelectWaitMillis` when nothing is ready.
    pub fn do_events(&self) -> Result<()> {
        if self.in_callback() {
            return Err(Error::new(codes::REENTRANT, "DoEvents called from inside a callback"));
        }
        self.check_open()?;
        let mut ps = self.poll.lock();
        let me = thread_token();
        self.dispatcher.store(me, Ordering::Release);
        let _mark = DispatchMark(&self.dispatcher, 0);
        self.round(&mut ps, None)
    }

    fn check_open(&self) -> Result<()> {
        if self.is_closed() {
            Err(Error::code(codes::INVALID_HANDLE))
        } else {
            Ok(())
        }
    }

    /// One poll-and-dispatch round. The caller holds the dispatch lock and has
    /// marked itself as the dispatcher.
    fn round(&self, ps: &mut PollState, max_wait: Option<Duration>) -> Result<()> {
        let timeout = {
            let st = self.state.lock();
            if st.has_pending() {
                Duration::ZERO
            } else {
                let mut t = max_wait.unwrap_or_else(|| st.select_wait());
                if let Some(d) = st.next_deadline() {
                    t = t.min(d.saturating_duration_since(Instant::now()));
                }
                t
            }
        };
        self.waiting.store(true, Ordering::Release);
        let polled = ps.poll.poll(&mut ps.events, Some(timeout));
        self.waiting.store(false, Ordering::Release);
        if let Err(e) = polled {
            if e.kind() != std::io::ErrorKind::Interrupted {
                return Err(e.into());
            }
        }
        {
            let mut st = self.state.lock();
            for ev in ps.events.iter() {
                if ev.token() != WAKER_TOKEN {
                    st.on_ready(ev);
                }
            }
            st.on_timers(Instant::now());
        }
        self.dispatch();
        // Keep the host-loop descriptor readable while work is left over.
        if !self.is_closed() && self.state.lock().has_pending() {
            let _ = self.waker.wake();
        }
        Ok(())
    }

    fn dispatch(&self) {
        let handler = self.handler.read().clone();
        while !self.is_closed() {
            let next = self.state.lock().next_event();
            let Some(mut ev) = next else { break };
            if let Some(h) = &handler {
                h(&mut ev);
            }
            if self.is_closed() {
                break;
            }
            if C::needs_done(&ev) {
                self.state.lock().event_done(ev);
            }
        }
        if self.is_closed() {
            self.state.lock().close_silently();
        }
    }

    /// `close`: no events fire; from inside a callback the teardown happens
    /// when the callback returns.
    pub fn close(&self) {
        if self.closed.swap(true, Ordering::AcqRel) {
            return;
        }
        if self.in_callback() {
            return;
        }
        let _ = self.waker.wake();
        let _ps = self.poll.lock();
        self.state.lock().close_silently();
    }

    /// `Interrupt(ConnectionId)`: ends a blocking operation on that connection.
    /// Takes no lock, so any thread may call it while another one is blocked.
    pub fn interrupt(&self, connection_id: i64) {
        let mut pending = self.interrupts.lock();
        if !pending.contains(&connection_id) {
            pending.push(connection_id);
        }
        drop(pending);
        let _ = self.waker.wake();
    }

    /// Takes a pending interrupt for the connection, if there is one.
    fn take_interrupt(&self, connection_id: i64) -> bool {
        let mut pending = self.interrupts.lock();
        match pending.iter().position(|&c| c == connection_id) {
            Some(i) => {
                pending.swap_remove(i);
                true
            }
            None => false,
        }
    }

    /// Runs a blocking operation: `step` is retried until it is done, firing
    /// the events of every connection while it waits (none from inside a
    /// callback). `timeout` bounds inactivity; `wait_fd` is the socket to wait
    /// on from inside a callback: for writability, or for readability when
    /// the step awaits the peer ([`Step::AwaitingPeer`]).
    pub fn block<R>(
        &self,
        connection_id: i64,
        timeout: Option<Duration>,
        wait_fd: RawFd,
        mut step: impl FnMut(&mut C) -> Result<Step<R>>,
    ) -> Result<R> {
        // An interrupt aimed at an earlier operation does not end this one.
        self.take_interrupt(connection_id);
        let inside = self.in_callback();
        let mut deadline = timeout.map(|t| Instant::now() + t);
        let mut last_round = Instant::now();
        loop {
            let s = step(&mut self.lock())?;
            let for_input = matches!(s, Step::AwaitingPeer);
            match s {
                Step::Done(r) => return Ok(r),
                Step::Progress => {
                    deadline = timeout.map(|t| Instant::now() + t);
                    // A send that always progresses (a fast reader) must not
                    // starve the other connections: give them a round now
                    // and then (outside callbacks, where events may fire).
                    if !inside && last_round.elapsed() >= FAIRNESS_SLICE {
                        let mut ps = self.poll.lock();
                        self.dispatcher.store(thread_token(), Ordering::Release);
                        let _mark = DispatchMark(&self.dispatcher, 0);
                        self.round(&mut ps, Some(Duration::ZERO))?;
                        last_round = Instant::now();
                    }
                    continue;
                }
                Step::Blocked | Step::AwaitingPeer => {}
            }
            if self.take_interrupt(connection_id) {
                return Err(Error::new(codes::INTERRUPTED, "Interrupted by Interrupt()"));
            }
            self.check_open()?;
            let mut wait = Duration::from_millis(50);
            if let Some(d) = deadline {
                let now = Instant::now();
                if now >= d {
                    return Err(Error::new(codes::TIMED_OUT, "[10060] Connection timed out."));
                }
                wait = wait.min(d - now);
            }
            if inside {
                wait_for(wait_fd, if for_input { libc::POLLIN } else { libc::POLLOUT }, wait);
            } else {
                last_round = Instant::now();
                let mut ps = self.poll.lock();
                self.dispatcher.store(thread_token(), Ordering::Release);
                let _mark = DispatchMark(&self.dispatcher, 0);
                self.round(&mut ps, Some(wait))?;
            }
        }
    }

    /// `get_pollfd`: the epoll descriptor, readable while there is work.
    pub fn poll_fd(&self) -> RawFd {
        self.poll_fd
    }

    /// `get_timeout_ms`: 0 when work is pending, the time to the next timer,
    /// or -1 when there is none.
    pub fn timeout_ms(&self) -> i32 {
        let st = self.lock();
        if st.has_pending() {
            return 0;
        }
        match st.next_deadline() {
            None => -1,
            Some(d) => {
                // Rounded up, so a host loop never wakes just before the timer.
                let left = d.saturating_duration_since(Instant::now());
                let ms = left.as_nanos().div_ceil(1_000_000);
                ms.min(i32::MAX as u128) as i32
            }
        }
    }

    /// Wakes a waiting `do_events` (used when work is created outside it).
    pub fn wake(&self) {
        let _ = self.waker.wake();
    }
}

fn wait_for(fd: RawFd, events: libc::c_short, wait: Duration) {
    let mut pfd = libc::pollfd { fd, events, revents: 0 };
    // SAFETY: one valid pollfd for the duration of the call.
    unsafe {
        libc::poll(&mut pfd, 1, wait.as_millis().max(1) as libc::c_int);
    }
}

/// What the C boundary needs of any engine, whatever its component: one
/// object-safe view, so `ffi::Server` forwards these once for all.
pub trait Driver: Send + Sync {
    fn do_events(&self) -> Result<()>;
    fn close(&self);
    fn poll_fd(&self) -> RawFd;
    fn timeout_ms(&self) -> i32;
}

impl<C: Component> Driver for Engine<C> {
    fn do_events(&self) -> Result<()> {
        Engine::do_events(self)
    }
    fn close(&self) {
        Engine::close(self)
    }
    fn poll_fd(&self) -> RawFd {
        Engine::poll_fd(self)
    }
    fn timeout_ms(&self) -> i32 {
        Engine::timeout_ms(self)
    }
}
