//! Keeps one Python thread state per runtime thread for the thread's lifetime.
//!
//! Without this, each GIL acquisition on a thread Python did not create makes and destroys a
//! thread state; with it, acquiring the GIL only takes the lock.

use pyo3::ffi;
use std::cell::Cell;

thread_local! {
    static SAVED: Cell<Option<(ffi::PyGILState_STATE, *mut ffi::PyThreadState)>> = const { Cell::new(None) };
}

pub fn register() {
    // SAFETY: runtime threads start while the interpreter is alive (the runtime is built from
    // Python); `PyGILState_Ensure` attaches a thread state and takes the GIL, which
    // `PyEval_SaveThread` then releases while keeping the thread state registered.
    unsafe {
        if ffi::Py_IsInitialized() == 0 {
            return;
        }
        let state = ffi::PyGILState_Ensure();
        let tstate = ffi::PyEval_SaveThread();
        SAVED.with(|s| s.set(Some((state, tstate))));
    }
}

pub fn unregister() {
    if let Some((state, tstate)) = SAVED.with(|s| s.take()) {
        // SAFETY: undoes `register` on the same thread, in reverse order.
        unsafe {
            if ffi::Py_IsInitialized() != 0 {
                ffi::PyEval_RestoreThread(tstate);
                ffi::PyGILState_Release(state);
            }
        }
    }
}
