//! The connection task's own future: what every idle keep-alive connection holds.

use super::*;

/// `size_of` the future an async fn returns, without calling it.
fn future_size<A, B, C, D, F: std::future::Future>(_: &impl Fn(A, B, C, D) -> F) -> usize {
    std::mem::size_of::<F>()
}

/// The request pipeline's state lives in `busy`'s boxed future, not in the task of a waiting
/// connection; this was 4,528 bytes while the whole pipeline was inline. A change that puts it
/// back (or a large local kept across the wait) fails here instead of in an idle-memory bench.
#[test]
fn an_idle_connection_future_stays_small() {
    let size = future_size(&serve);
    eprintln!("conn::serve future: {size} bytes");
    assert!(size <= 1024, "conn::serve's future is {size} bytes");
}

/// A body that always has a chunk ready, and asks for shutdown at its `SHUTDOWN_AT`-th chunk.
#[derive(Debug)]
struct AlwaysReady {
    produced: usize,
    shutdown: Option<watch::Sender<bool>>,
}

const SHUTDOWN_AT: usize = 10;

impl ChunkSource for AlwaysReady {
    fn next(&mut self) -> std::pin::Pin<Box<dyn std::future::Future<Output = Next> + Send + '_>> {
        self.produced += 1;
        if self.produced == SHUTDOWN_AT {
            if let Some(tx) = self.shutdown.take() {
                let _ = tx.send(true);
                // Kept alive: a dropped sender would also end `changed()`.
                std::mem::forget(tx);
            }
        }
        Box::pin(std::future::ready(Next::Data(bytes::Bytes::from_static(
            b"data: x\n\n",
        ))))
    }
}

/// The writer polls a ready body before shutdown (to skip re-checking the socket per chunk);
/// a body that is never pending must still be ended by a shutdown, within `FAIRNESS_CHUNKS`.
#[test]
fn a_body_that_is_always_ready_still_ends_at_shutdown() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let reader = tokio::spawn(async move {
            let mut client = TcpStream::connect(addr).await.unwrap();
            let mut all = Vec::new();
            client.read_to_end(&mut all).await.unwrap();
            all
        });
        let (mut stream, _) = listener.accept().await.unwrap();
        let (tx, mut rx) = watch::channel(false);
        let (mut out, mut pending) = (Vec::new(), BytesMut::new());
        let mut conn = Conn {
            stream: &mut stream,
            out: &mut out,
            pending: &mut pending,
            shutdown: &mut rx,
        };
        let body = AlwaysReady {
            produced: 0,
            shutdown: Some(tx),
        };
        let ended = tokio::time::timeout(
            Duration::from_secs(10),
            conn.write_stream(Box::new(body), true),
        )
        .await;
        assert!(matches!(ended, Ok(Ok(()))), "{ended:?}");
        drop(stream);
        let all = reader.await.unwrap();
        let events = all.windows(9).filter(|w| w == b"data: x\n\n").count();
        assert!(
            (SHUTDOWN_AT..=SHUTDOWN_AT + FAIRNESS_CHUNKS as usize).contains(&events),
            "{events} chunks written after a shutdown at chunk {SHUTDOWN_AT}"
        );
        assert!(all.ends_with(b"0\r\n\r\n"), "the body did not end cleanly");
    });
}
