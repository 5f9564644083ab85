//! `django_bolt._core`: the Rust half of django-bolt. Module registration only.

pub mod app;
pub mod auth;
pub mod build_info;
pub mod config;
pub mod hosts;
pub mod middleware;
pub mod params;
pub mod pipeline;
pub mod python;
pub mod request;
pub mod response;
pub mod router;
pub mod schema;
pub mod server;
pub mod streaming;
pub mod testing;
pub mod websocket;

use pyo3::prelude::*;

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add(
        "SSE_KEEPALIVE_COMMENT",
        pyo3::types::PyBytes::new(m.py(), python::stream::PING),
    )?;
    m.add_class::<app::PyApp>()?;
    m.add_class::<python::request::PyRequest>()?;
    m.add_class::<python::coro::Completion>()?;
    m.add_class::<testing::TestStream>()?;
    m.add_class::<python::chunk_queue::ChunkSink>()?;
    m.add_class::<auth::py::PyJwtBackend>()?;
    m.add_class::<auth::py::PyApiKeyBackend>()?;
    m.add_class::<auth::revocation::PyRevocationSet>()?;
    m.add_function(wrap_pyfunction!(auth::py::jwt_encode, m)?)?;
    m.add_function(wrap_pyfunction!(server::serve, m)?)?;
    m.add_function(wrap_pyfunction!(testing::test_request, m)?)?;
    m.add_function(wrap_pyfunction!(build_info::build_info, m)?)?;
    m.add_function(wrap_pyfunction!(schema::record_keys, m)?)?;
    m.add_function(wrap_pyfunction!(python::db::database_touched, m)?)?;
    m.add_function(wrap_pyfunction!(python::db::orm_thread_touched, m)?)?;
    m.add_function(wrap_pyfunction!(python::files::resolve_response_file, m)?)?;
    m.add_function(wrap_pyfunction!(
        python::cookie_date::format_cookie_date,
        m
    )?)?;
    m.add_function(wrap_pyfunction!(python::wake_batch::hold_writer_wakes, m)?)?;
    m.add_function(wrap_pyfunction!(python::wake_batch::flush_writer_wakes, m)?)?;
    m.add_class::<websocket::channel::WebSocketConn>()?;
    m.add_class::<testing::websocket::TestWebSocket>()?;
    m.add_function(wrap_pyfunction!(testing::websocket::test_websocket, m)?)?;
    Ok(())
}
