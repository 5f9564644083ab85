//! `_core.format_cookie_date(datetime)`: a cookie's `expires` in the HTTP date format
//! (`Sun, 09 Jun 2030 10:11:12 GMT`), the moment in UTC (a naive datetime is taken as UTC).

use crate::response::date::civil_from_days;
use pyo3::prelude::*;
use pyo3::types::{PyDateTime, PyDict};

const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// `seconds` since the Unix epoch as an HTTP date.
pub fn http_date(seconds: i64) -> String {
    let days = seconds.div_euclid(86_400);
    let in_day = seconds.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{}, {day:02} {} {year:04} {:02}:{:02}:{:02} GMT",
        WEEKDAYS[days.rem_euclid(7) as usize],
        MONTHS[month as usize - 1],
        in_day / 3600,
        in_day % 3600 / 60,
        in_day % 60
    )
}

#[pyfunction]
pub fn format_cookie_date(value: &Bound<'_, PyDateTime>) -> PyResult<String> {
    let py = value.py();
    let moment = if value.getattr("tzinfo")?.is_none() {
        let utc = py.import("datetime")?.getattr("timezone")?.getattr("utc")?;
        let kwargs = PyDict::new(py);
        kwargs.set_item("tzinfo", utc)?;
        value.call_method("replace", (), Some(&kwargs))?
    } else {
        value.clone().into_any()
    };
    let timestamp: f64 = moment.call_method0("timestamp")?.extract()?;
    // Whole seconds, as the wall clock reads them (floor, also before 1970).
    Ok(http_date(timestamp.floor() as i64))
}

#[cfg(test)]
mod tests {
    use super::http_date;

    #[test]
    fn dates_across_eras() {
        assert_eq!(http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(http_date(1_907_230_272), "Sun, 09 Jun 2030 10:11:12 GMT");
        assert_eq!(http_date(951_782_400), "Tue, 29 Feb 2000 00:00:00 GMT");
        assert_eq!(http_date(-1), "Wed, 31 Dec 1969 23:59:59 GMT");
        assert_eq!(http_date(253_402_300_799), "Fri, 31 Dec 9999 23:59:59 GMT");
    }
}
