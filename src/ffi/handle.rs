//! The C boundary shared by every component (docs/API.md §1–4, §8): the handle
//! registry, panic catching, per-handle last error, handle-owned return
//! buffers, value conversion, and the C callback table. No protocol logic.

use std::any::Any;
use std::collections::HashMap;
use std::ffi::{c_char, c_int, c_void, CStr, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use once_cell::sync::Lazy;
use parking_lot::{Mutex, RwLock};

use crate::core::component::Declared;
use crate::core::engine::Driver;
use crate::core::error::{codes, strerror, Error, Result};
use crate::core::props::{check_event, find_prop};

/// What a component offers the generic C functions: its tables and their
/// get/set/config ([`Declared`]), its engine ([`Driver`]), and how its
/// events become C callbacks. Everything else is generic here.
pub trait Server: Declared + Send + Sync + Sized + 'static {
    fn create() -> Result<Self>;
    /// Installs the function that turns events into C callbacks.
    fn install_dispatch(&self, table: Arc<CallbackTable>, handle: usize);
    /// The engine: do_events, close, poll_fd, timeout_ms.
    fn driver(&self) -> &dyn Driver;
    /// Told when a callback is registered (`true`) or unregistered, so a
    /// component can skip producing events nobody listens to.
    fn callback_registered(&self, _event_id: i32, _registered: bool) {}
}

/// The C callback signature shared by every component (docs/API.md §1):
/// `params` points to the event's `pier_<component>_<event>_params` struct,
/// valid during the call. The return value is reserved: return 0 (pier
/// ignores it).
#[allow(non_camel_case_types)]
pub type pier_callback = Option<
    unsafe extern "C" fn(handle: *mut c_void, event_id: c_int, params: *mut c_void, user_data: *mut c_void) -> c_int,
>;

#[derive(Clone, Copy)]
pub struct CCallback {
    f: unsafe extern "C" fn(*mut c_void, c_int, *mut c_void, *mut c_void) -> c_int,
    user_data: *mut c_void,
}
// SAFETY: the user data pointer is only passed back to the C caller's own
// callback; docs/API.md §5 makes the caller responsible for its thread safety.
unsafe impl Send for CCallback {}
unsafe impl Sync for CCallback {}

/// Registered callbacks, indexed by event id.
pub struct CallbackTable {
    slots: Mutex<Vec<Option<CCallback>>>,
}

impl CallbackTable {
    fn new(events: usize) -> Self {
        CallbackTable { slots: Mutex::new(vec![None; events + 1]) }
    }

    /// The callback registered for `event_id`, copied out so that no lock is
    /// held while it runs.
    pub fn get(&self, event_id: i32) -> Option<CCallback> {
        self.slots.lock().get(event_id as usize).copied().flatten()
    }
}

impl CCallback {
    /// Calls the callback with the event's C struct.
    pub fn fire<T>(&self, handle: usize, event_id: i32, params: &mut T) {
        // SAFETY: a C function pointer the caller registered, given a
        // pointer to a live struct of the documented type.
        unsafe {
            (self.f)(handle as *mut c_void, event_id, params as *mut T as *mut c_void, self.user_data);
        }
    }
}

pub struct Handle<S: Server> {
    pub server: S,
    callbacks: Arc<CallbackTable>,
    last_error: Mutex<(i32, CString)>,
    /// Whether `last_error` holds an error, so that a successful call (the
    /// common case) resets it without taking the lock.
    has_error: AtomicBool,
    retbuf: Mutex<Vec<u8>>,
}

type Registry = crate::core::idhash::IdMap<usize, Arc<dyn Any + Send + Sync>>;
static REGISTRY: Lazy<RwLock<Registry>> = Lazy::new(|| RwLock::new(Registry::default()));
/// Handle values are never reused, so a stale pointer can never reach a
/// newer handle. They are not addresses and are never dereferenced.
static NEXT_HANDLE: AtomicUsize = AtomicUsize::new(1);

fn lookup<S: Server>(h: *const c_void) -> Option<Arc<Handle<S>>> {
    if h.is_null() {
        return None;
    }
    let any = REGISTRY.read().get(&(h as usize))?.clone();
    any.downcast::<Handle<S>>().ok()
}

fn panic_text(p: Box<dyn Any + Send>) -> String {
    let msg = p
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into());
    format!("Internal error: {msg}")
}

impl<S: Server> Handle<S> {
    fn set_error(&self, e: &Error) {
        let text = CString::new(e.text.replace('\0', " ")).unwrap_or_default();
        *self.last_error.lock() = (e.code, text);
        self.has_error.store(true, Ordering::Release);
    }

    fn clear_error(&self) {
        if self.has_error.swap(false, Ordering::AcqRel) {
            *self.last_error.lock() = (0, CString::default());
        }
    }

    /// Copies bytes into the handle-owned return buffer (NUL-terminated).
    fn ret(&self, bytes: &[u8], len: *mut c_int) -> *const c_void {
        let mut buf = self.retbuf.lock();
        buf.clear();
        buf.extend_from_slice(bytes);
        buf.push(0);
        if !len.is_null() {
            // SAFETY: the caller passed a writable int or NULL.
            unsafe { *len = bytes.len().min(c_int::MAX as usize) as c_int };
        }
        buf.as_ptr() as *const c_void
    }
}

/// Runs `f` on the handle: checks it, catches panics, records the error.
pub fn call<S: Server>(h: *const c_void, f: impl FnOnce(&Handle<S>) -> Result<()>) -> c_int {
    call_with(h, true, f)
}

/// Like [`call`] for a call made to affect another thread's blocking
/// operation (`do_interrupt`): a success leaves the last error alone, so it
/// cannot wipe the error (911) that the interrupted call is recording at
/// the same moment on the other thread (docs/API-NOTES.md).
pub fn call_signal<S: Server>(h: *const c_void, f: impl FnOnce(&Handle<S>) -> Result<()>) -> c_int {
    call_with(h, false, f)
}

fn call_with<S: Server>(h: *const c_void, clear: bool, f: impl FnOnce(&Handle<S>) -> Result<()>) -> c_int {
    let Some(handle) = lookup::<S>(h) else {
        return codes::INVALID_HANDLE;
    };
    match catch_unwind(AssertUnwindSafe(|| f(&handle))) {
        Ok(Ok(())) => {
            if clear {
                handle.clear_error();
            }
            0
        }
        Ok(Err(e)) => {
            handle.set_error(&e);
            e.code
        }
        Err(p) => {
            handle.set_error(&Error::new(codes::INTERNAL, panic_text(p)));
            codes::INTERNAL
        }
    }
}

/// Like [`call`], for functions returning a value (`fallback` on failure).
pub fn call_value<S: Server, T>(h: *const c_void, fallback: T, f: impl FnOnce(&Handle<S>) -> Result<T>) -> T {
    let Some(handle) = lookup::<S>(h) else { return fallback };
    match catch_unwind(AssertUnwindSafe(|| f(&handle))) {
        Ok(Ok(v)) => {
            handle.clear_error();
            v
        }
        Ok(Err(e)) => {
            handle.set_error(&e);
            fallback
        }
        Err(p) => {
            handle.set_error(&Error::new(codes::INTERNAL, panic_text(p)));
            fallback
        }
    }
}

/// Reads the bytes of a `(value, len)` argument; `len == -1` means NUL-terminated.
///
/// # Safety
/// `value` must point to `len` readable bytes (or a NUL-terminated string).
pub unsafe fn arg_bytes<'a>(value: *const c_void, len: c_int) -> Result<&'a [u8]> {
    if value.is_null() {
        return if len == 0 { Ok(&[]) } else { Err(Error::code(codes::NULL_ARGUMENT)) };
    }
    match len {
        -1 => Ok(CStr::from_ptr(value as *const c_char).to_bytes()),
        n if n < -1 => Err(Error::invalid_value(format!("Length {n} is negative"))),
        n => Ok(std::slice::from_raw_parts(value as *const u8, n as usize)),
    }
}

/// Reads a NUL-terminated string argument.
///
/// # Safety
/// `s` must be NULL or a valid NUL-terminated string.
pub unsafe fn arg_str<'a>(s: *const c_char) -> Result<&'a str> {
    if s.is_null() {
        return Err(Error::code(codes::NULL_ARGUMENT));
    }
    CStr::from_ptr(s).to_str().map_err(|_| Error::invalid_value("Text is not valid UTF-8"))
}

// ----- the generic functions each component's exports delegate to -----------

pub fn open<S: Server>() -> *mut c_void {
    let made = catch_unwind(|| {
        let server = S::create().ok()?;
        let key = NEXT_HANDLE.fetch_add(1, Ordering::Relaxed) << 4;
        let callbacks =
            Arc::new(CallbackTable::new(S::tables().events.iter().map(|e| e.id as usize).max().unwrap_or(0)));
        server.install_dispatch(callbacks.clone(), key);
        let handle = Arc::new(Handle {
            server,
            callbacks,
            last_error: Mutex::new((0, CString::default())),
            has_error: AtomicBool::new(false),
            retbuf: Mutex::new(Vec::new()),
        });
        REGISTRY.write().insert(key, handle);
        Some(key)
    });
    match made {
        Ok(Some(key)) => key as *mut c_void,
        _ => std::ptr::null_mut(),
    }
}

/// `close(NULL)` is harmless; closing twice returns 901. Inside a callback the
/// handle is freed when the callback returns.
pub fn close<S: Server>(h: *const c_void) -> c_int {
    if h.is_null() {
        return 0;
    }
    let Some(handle) = lookup::<S>(h) else {
        return codes::INVALID_HANDLE;
    };
    REGISTRY.write().remove(&(h as usize));
    match catch_unwind(AssertUnwindSafe(|| handle.server.driver().close())) {
        Ok(()) => 0,
        Err(_) => codes::INTERNAL,
    }
}

pub fn register_callback<S: Server>(
    h: *const c_void,
    event_id: c_int,
    cb: pier_callback,
    user_data: *mut c_void,
) -> c_int {
    call::<S>(h, |hd| {
        check_event(S::tables().events, event_id)?;
        hd.callbacks.slots.lock()[event_id as usize] = cb.map(|f| CCallback { f, user_data });
        hd.server.callback_registered(event_id, cb.is_some());
        Ok(())
    })
}

static INVALID_HANDLE_TEXT: &CStr = c"Invalid handle (NULL, closed, or never opened)";

pub fn last_error<S: Server>(h: *const c_void) -> *const c_char {
    match lookup::<S>(h) {
        Some(hd) => hd.last_error.lock().1.as_ptr(),
        None => INVALID_HANDLE_TEXT.as_ptr(),
    }
}

pub fn last_error_code<S: Server>(h: *const c_void) -> c_int {
    match lookup::<S>(h) {
        Some(hd) => hd.last_error.lock().0,
        None => codes::INVALID_HANDLE,
    }
}

pub fn set<S: Server>(h: *const c_void, prop: c_int, index: c_int, value: *const c_void, len: c_int) -> c_int {
    call::<S>(h, |hd| {
        let def = find_prop(S::tables().props, prop)?;
        // SAFETY: per the API contract, `value` holds `len` bytes.
        let bytes = unsafe { arg_bytes(value, len)? };
        hd.server.set_key(def.key, index, def.value_from_bytes(bytes)?)
    })
}

pub fn get<S: Server>(h: *const c_void, prop: c_int, index: c_int, len: *mut c_int) -> *const c_void {
    call_value::<S, _>(h, std::ptr::null(), |hd| {
        let v = hd.server.get(prop, index)?;
        Ok(hd.ret(&v.to_bytes(), len))
    })
}

pub fn set_int<S: Server>(h: *const c_void, prop: c_int, index: c_int, value: i64) -> c_int {
    call::<S>(h, |hd| {
        let def = find_prop(S::tables().props, prop)?;
        hd.server.set_key(def.key, index, def.value_from_int(value)?)
    })
}

pub fn get_int<S: Server>(h: *const c_void, prop: c_int, index: c_int) -> i64 {
    call_value::<S, _>(h, 0, |hd| {
        find_prop(S::tables().props, prop)?.check_numeric()?;
        hd.server.get(prop, index)?.as_i64()
    })
}

pub fn do_config<S: Server>(h: *const c_void, setting: *const c_char) -> *const c_char {
    call_value::<S, _>(h, std::ptr::null(), |hd| {
        // SAFETY: a NUL-terminated string per the API contract.
        let s = unsafe { arg_str(setting)? };
        let out = hd.server.config(s)?;
        Ok(hd.ret(out.as_bytes(), std::ptr::null_mut()) as *const c_char)
    })
}

pub fn get_pollfd<S: Server>(h: *const c_void) -> c_int {
    call_value::<S, _>(h, -1, |hd| Ok(hd.server.driver().poll_fd()))
}

pub fn do_events<S: Server>(h: *const c_void) -> c_int {
    call::<S>(h, |hd| hd.server.driver().do_events())
}

pub fn get_timeout_ms<S: Server>(h: *const c_void) -> c_int {
    call_value::<S, _>(h, -1, |hd| Ok(hd.server.driver().timeout_ms()))
}

/// Text of any code (static, NUL-terminated).
pub fn strerror_c(code: c_int) -> *const c_char {
    static CACHE: Lazy<Mutex<HashMap<i32, &'static CStr>>> = Lazy::new(|| Mutex::new(HashMap::new()));
    let mut cache = CACHE.lock();
    let s = cache.entry(code).or_insert_with(|| {
        let c = CString::new(strerror(code)).unwrap_or_default();
        Box::leak(c.into_boxed_c_str())
    });
    s.as_ptr()
}

/// Temporarily NUL-terminates an owned byte buffer for a C struct field:
/// binary fields are always followed by a NUL that `len` does not count.
pub fn with_nul<R>(v: &mut Vec<u8>, f: impl FnOnce(*const u8, c_int) -> R) -> R {
    let len = v.len().min(c_int::MAX as usize) as c_int;
    v.push(0);
    let r = f(v.as_ptr(), len);
    v.pop();
    r
}

/// A C string for an event field (interior NULs become spaces).
pub fn cstring(s: &str) -> CString {
    CString::new(s.replace('\0', " ")).unwrap_or_default()
}
