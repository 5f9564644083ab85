//! Buckets shared through Redis (one budget for many processes and machines): a Lua token
//! bucket run atomically by the server, over a minimal RESP2 client on tokio.

use std::sync::Mutex;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::time::timeout;

/// Redis's own clock (`TIME`) is used so that machines with skewed clocks share one bucket.
const SCRIPT: &str = r#"
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'updated')
local tokens = tonumber(state[1])
local updated = tonumber(state[2])
if tokens == nil or updated == nil then
  tokens = burst
  updated = now
end
tokens = math.min(burst, tokens + math.max(0, now - updated) / 1000000 * rate)
local wait_ms = 0
local allowed = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
else
  wait_ms = math.ceil((1 - tokens) / rate * 1000)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'updated', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
return {allowed, wait_ms}
"#;

const CONNECT_TIMEOUT: Duration = Duration::from_millis(500);
const CALL_TIMEOUT: Duration = Duration::from_millis(500);
/// After a failure, Redis is not retried for this long (requests use the local buckets).
const RETRY_AFTER: Duration = Duration::from_secs(1);
const MAX_IDLE: usize = 32;
/// Calls in flight per process; a request that cannot get a slot in time uses the local buckets.
const MAX_IN_FLIGHT: usize = 64;

type Conn = BufReader<TcpStream>;

#[derive(Debug)]
enum Reply {
    Simple,
    Error(String),
    Int(i64),
    Bulk(Option<Vec<u8>>),
    Array(Vec<Reply>),
}

pub struct RedisStore {
    addr: String,
    db: u32,
    username: Option<String>,
    password: Option<String>,
    idle: Mutex<Vec<Conn>>,
    sha: Mutex<Option<String>>,
    down_until: Mutex<Option<Instant>>,
    in_flight: tokio::sync::Semaphore,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn decode(part: &str) -> String {
    percent_encoding::percent_decode_str(part)
        .decode_utf8_lossy()
        .into_owned()
}

impl RedisStore {
    /// `redis://[[user]:password@]host[:port][/db]`.
    pub fn parse(url: &str) -> Result<RedisStore, String> {
        let bad = |why: &str| format!("BOLT_RATE_LIMIT_REDIS_URL {url:?}: {why}");
        let rest = url
            .strip_prefix("redis://")
            .ok_or_else(|| bad("only redis:// URLs are supported"))?;
        let (auth, rest) = match rest.rsplit_once('@') {
            Some((a, r)) => (Some(a), r),
            None => (None, rest),
        };
        let (hostport, db) = match rest.split_once('/') {
            Some((h, d)) if !d.is_empty() => (
                h,
                d.parse::<u32>()
                    .map_err(|_| bad("the database must be a number"))?,
            ),
            Some((h, _)) => (h, 0),
            None => (rest, 0),
        };
        if hostport.is_empty() {
            return Err(bad("missing host"));
        }
        let addr = if hostport
            .rsplit_once(':')
            .is_some_and(|(_, p)| p.parse::<u16>().is_ok())
            && !hostport.ends_with(']')
        {
            hostport.to_owned()
        } else {
            format!("{hostport}:6379")
        };
        let (username, password) = match auth {
            None => (None, None),
            Some(a) => match a.split_once(':') {
                Some((u, p)) => ((!u.is_empty()).then(|| decode(u)), Some(decode(p))),
                None => (None, Some(decode(a))),
            },
        };
        Ok(RedisStore {
            addr,
            db,
            username,
            password,
            idle: Mutex::new(Vec::new()),
            sha: Mutex::new(None),
            down_until: Mutex::new(None),
            in_flight: tokio::sync::Semaphore::new(MAX_IN_FLIGHT),
        })
    }

    pub fn addr(&self) -> &str {
        &self.addr
    }

    /// `Some(decision)` from Redis, `None` when Redis is unavailable (the caller falls back).
    pub async fn take(&self, key: &str, rate: f64, burst: f64) -> Option<Result<(), Duration>> {
        let down_until = *lock(&self.down_until);
        if down_until.is_some_and(|until| Instant::now() < until) {
            return None;
        }
        // Waiting for a slot is load, not a Redis failure: it does not mark Redis down.
        let _slot = match timeout(CALL_TIMEOUT, self.in_flight.acquire()).await {
            Ok(Ok(permit)) => permit,
            _ => return None,
        };
        match timeout(CALL_TIMEOUT, self.call(key, rate, burst)).await {
            Ok(Ok(decision)) => {
                *lock(&self.down_until) = None;
                Some(decision)
            }
            Ok(Err(e)) => self.failed(&e),
            Err(_) => self.failed("timed out"),
        }
    }

    fn failed(&self, why: &str) -> Option<Result<(), Duration>> {
        let mut down = lock(&self.down_until);
        if down.is_none() {
            eprintln!(
                "django-bolt: rate-limit Redis at {} failed ({why}); limiting per process until it answers again",
                self.addr
            );
        }
        *down = Some(Instant::now() + RETRY_AFTER);
        None
    }

    async fn call(&self, key: &str, rate: f64, burst: f64) -> Result<Result<(), Duration>, String> {
        let pooled = lock(&self.idle).pop();
        match pooled {
            // An idle connection may have been closed by the server meanwhile: one fresh retry.
            Some(conn) => match self.call_on(conn, key, rate, burst).await {
                Ok(d) => Ok(d),
                Err(_) => self.call_on(self.connect().await?, key, rate, burst).await,
            },
            None => self.call_on(self.connect().await?, key, rate, burst).await,
        }
    }

    async fn call_on(
        &self,
        mut conn: Conn,
        key: &str,
        rate: f64,
        burst: f64,
    ) -> Result<Result<(), Duration>, String> {
        let cached = lock(&self.sha).clone();
        let sha = match cached {
            Some(s) => s,
            None => self.load_script(&mut conn).await?,
        };
        let (rate, burst) = (rate.to_string(), burst.to_string());
        let mut reply = command(&mut conn, &["EVALSHA", &sha, "1", key, &rate, &burst]).await?;
        if matches!(&reply, Reply::Error(e) if e.starts_with("NOSCRIPT")) {
            let sha = self.load_script(&mut conn).await?;
            reply = command(&mut conn, &["EVALSHA", &sha, "1", key, &rate, &burst]).await?;
        }
        let decision = match reply {
            Reply::Array(items) => match items.as_slice() {
                [Reply::Int(1), _] => Ok(()),
                [Reply::Int(0), Reply::Int(ms)] => Err(Duration::from_millis((*ms).max(1) as u64)),
                _ => return Err("unexpected script reply".into()),
            },
            Reply::Error(e) => return Err(e),
            _ => return Err("unexpected script reply".into()),
        };
        {
            let mut idle = lock(&self.idle);
            if idle.len() < MAX_IDLE {
                idle.push(conn);
            }
        }
        Ok(decision)
    }

    async fn load_script(&self, conn: &mut Conn) -> Result<String, String> {
        match command(conn, &["SCRIPT", "LOAD", SCRIPT]).await? {
            Reply::Bulk(Some(sha)) => {
                let sha = String::from_utf8_lossy(&sha).into_owned();
                *lock(&self.sha) = Some(sha.clone());
                Ok(sha)
            }
            Reply::Error(e) => Err(e),
            other => Err(format!("unexpected SCRIPT LOAD reply {other:?}")),
        }
    }

    async fn connect(&self) -> Result<Conn, String> {
        let stream = timeout(CONNECT_TIMEOUT, TcpStream::connect(&self.addr))
            .await
            .map_err(|_| "connect timed out".to_owned())?
            .map_err(|e| e.to_string())?;
        let _ = stream.set_nodelay(true);
        let mut conn = BufReader::new(stream);
        if let Some(password) = &self.password {
            let reply = match &self.username {
                Some(user) => command(&mut conn, &["AUTH", user, password]).await?,
                None => command(&mut conn, &["AUTH", password]).await?,
            };
            if let Reply::Error(e) = reply {
                return Err(e);
            }
        }
        if self.db != 0 {
            if let Reply::Error(e) = command(&mut conn, &["SELECT", &self.db.to_string()]).await? {
                return Err(e);
            }
        }
        Ok(conn)
    }
}

async fn command(conn: &mut Conn, args: &[&str]) -> Result<Reply, String> {
    let mut out = Vec::with_capacity(64);
    out.extend_from_slice(format!("*{}\r\n", args.len()).as_bytes());
    for a in args {
        out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        out.extend_from_slice(a.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    conn.get_mut()
        .write_all(&out)
        .await
        .map_err(|e| e.to_string())?;
    read_reply(conn).await
}

async fn read_line(conn: &mut Conn) -> Result<String, String> {
    let mut line = Vec::new();
    let n = conn
        .read_until(b'\n', &mut line)
        .await
        .map_err(|e| e.to_string())?;
    if n == 0 || !line.ends_with(b"\r\n") {
        return Err("connection closed".into());
    }
    line.truncate(line.len() - 2);
    String::from_utf8(line).map_err(|_| "invalid reply".to_owned())
}

fn read_reply(
    conn: &mut Conn,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<Reply, String>> + Send + '_>> {
    Box::pin(async move {
        let line = read_line(conn).await?;
        let (kind, rest) = line.split_at(line.len().min(1));
        let number = || {
            rest.parse::<i64>()
                .map_err(|_| format!("invalid reply {line:?}"))
        };
        Ok(match kind {
            "+" => Reply::Simple,
            "-" => Reply::Error(rest.to_owned()),
            ":" => Reply::Int(number()?),
            "$" => {
                let n = number()?;
                if n < 0 {
                    Reply::Bulk(None)
                } else {
                    let mut data = vec![0u8; n as usize + 2];
                    conn.read_exact(&mut data)
                        .await
                        .map_err(|e| e.to_string())?;
                    data.truncate(n as usize);
                    Reply::Bulk(Some(data))
                }
            }
            "*" => {
                let n = number()?;
                let mut items = Vec::new();
                for _ in 0..n.max(0) {
                    items.push(read_reply(conn).await?);
                }
                Reply::Array(items)
            }
            _ => return Err(format!("invalid reply {line:?}")),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_urls() {
        let s = RedisStore::parse("redis://:pw@example:6380/2").unwrap();
        assert_eq!(
            (s.addr(), s.db, s.password.as_deref()),
            ("example:6380", 2, Some("pw"))
        );
        let s = RedisStore::parse("redis://localhost").unwrap();
        assert_eq!((s.addr(), s.db), ("localhost:6379", 0));
        assert!(RedisStore::parse("rediss://x").is_err());
        assert!(RedisStore::parse("redis://h/db").is_err());
    }
}
