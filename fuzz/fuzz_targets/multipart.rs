//! The streaming multipart parser, fed in pieces (the first byte picks their size): every event
//! sequence it produces must be well formed, and it must never panic or loop.
#![no_main]

use _core::params::multipart::{Event, Parser};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&piece, data)) = data.split_first() else {
        return;
    };
    let piece = usize::from(piece).max(1);
    let mut parser = Parser::new("b0und", 8).expect("a valid boundary");
    let mut in_part = false;
    for chunk in data.chunks(piece) {
        parser.push(chunk);
        loop {
            match parser.next_event() {
                Ok(Some(Event::Part(_))) => {
                    assert!(!in_part, "a part started inside another");
                    in_part = true;
                }
                Ok(Some(Event::Data(_))) => assert!(in_part, "data outside a part"),
                Ok(Some(Event::PartEnd)) => {
                    assert!(in_part, "a part ended that never started");
                    in_part = false;
                }
                Ok(None) => break,
                Err(_) => return,
            }
        }
    }
    let _ = parser.finish();
});
