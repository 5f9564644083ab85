//! Coerced Rust values → Python objects.

use super::refs::PyRefs;
use crate::params::coerce::{TimeParts, Value};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList};
use pyo3::IntoPyObjectExt;

fn tzinfo<'py>(py: Python<'py>, refs: &PyRefs, offset: Option<i32>) -> PyResult<Bound<'py, PyAny>> {
    match offset {
        None => Ok(py.None().into_bound(py)),
        Some(seconds) => {
            let delta = refs.timedelta_cls.bind(py).call1((0, seconds))?;
            refs.timezone_cls.bind(py).call1((delta,))
        }
    }
}

fn time_args(t: &TimeParts) -> (u8, u8, u8, u32) {
    (t.hour, t.minute, t.second, t.micro)
}

pub fn to_py<'py>(py: Python<'py>, refs: &PyRefs, value: &Value) -> PyResult<Bound<'py, PyAny>> {
    match value {
        Value::Int(i) => i.into_bound_py_any(py),
        Value::BigInt(s) => refs.int_cls.bind(py).call1((s.as_str(),)),
        Value::Float(f) => f.into_bound_py_any(py),
        Value::Str(s) => s.into_bound_py_any(py),
        Value::Bool(b) => b.into_bound_py_any(py),
        Value::Bytes(b) => Ok(PyBytes::new(py, b).into_any()),
        Value::Uuid(u) => {
            let kwargs = pyo3::types::PyDict::new(py);
            kwargs.set_item("int", *u)?;
            refs.uuid_cls.bind(py).call((), Some(&kwargs))
        }
        Value::Date { year, month, day } => refs.date_cls.bind(py).call1((*year, *month, *day)),
        Value::DateTime(dt) => {
            let (h, mi, s, us) = time_args(&dt.time);
            let tz = tzinfo(py, refs, dt.time.offset)?;
            refs.datetime_cls
                .bind(py)
                .call1((dt.year, dt.month, dt.day, h, mi, s, us, tz))
        }
        Value::Time(t) => {
            let (h, mi, s, us) = time_args(t);
            let tz = tzinfo(py, refs, t.offset)?;
            refs.time_cls.bind(py).call1((h, mi, s, us, tz))
        }
        Value::Decimal(s) => refs.decimal_cls.bind(py).call1((s.as_str(),)),
        Value::List(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(to_py(py, refs, item)?)?;
            }
            Ok(list.into_any())
        }
    }
}
