//! The request-head parser and the framing / host / target rules applied to what it accepts.
#![no_main]

use _core::server::head::{parse_head, Parsed};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match parse_head(data, 100, 8192) {
        Ok(Parsed::Complete(mut head, used)) => {
            assert!(used <= data.len());
            let _ = head.framing();
            let _ = head.check_host();
            let _ = head.wants_keep_alive();
            let _ = head.expects_continue();
            let _ = head.path_and_query();
        }
        Ok(Parsed::Partial) => assert!(data.len() <= 8192),
        Err(response) => assert!((400..500).contains(&response.status)),
    }
});
