//! [`RedisLog`], the [`ReplayLog`] on Redis Streams.

use crate::decode::{self, RawReplay};
use crate::keys::Keys;
use crate::options::Options;
use crate::scripts::{APPEND, REPLAY};
use futures_util::future::{BoxFuture, FutureExt};
use futures_util::stream::BoxStream;
use pushgen_runtime::replay::{ByteString, LogError, MAX_ID_LEN, Replay, ReplayLog, Tailed};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{FromRedisValue, RedisResult, ScriptInvocation};
use std::fmt;
use std::future::Future;

/// A [`ReplayLog`] kept in Redis, shared by every server node that uses the same server
/// and [`Options::prefix`].
///
/// Cheap to clone: clones share one connection, which reconnects by itself after Redis
/// comes back.
#[derive(Clone)]
pub struct RedisLog {
    connection: ConnectionManager,
    /// For the connections tails wait on; `None` for a log made on a caller's connection.
    client: Option<redis::Client>,
    options: Options,
}

impl RedisLog {
    /// Connects to the Redis server at `url` (`redis://host:port/db`), within
    /// [`Options::timeout`].
    pub async fn connect(url: &str, options: Options) -> Result<Self, LogError> {
        let client = redis::Client::open(url).map_err(unavailable)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(options.timeout))
            .set_response_timeout(Some(options.timeout));
        let connect = ConnectionManager::new_with_config(client.clone(), config);
        let connection = within(&options, connect).await?;
        Ok(RedisLog {
            connection,
            client: Some(client),
            options,
        })
    }

    /// A log on a connection the caller made (to share it, or to configure it further),
    /// and the client that made it, for the connections tails wait on.
    pub fn new(connection: ConnectionManager, client: redis::Client, options: Options) -> Self {
        RedisLog {
            connection,
            client: Some(client),
            options,
        }
    }

    /// A connection of its own, for a tail's blocking waits.
    pub(crate) async fn dedicated(&self) -> Result<redis::aio::MultiplexedConnection, LogError> {
        let Some(client) = &self.client else {
            return Err(LogError::Unavailable("no client to connect with".into()));
        };
        // No response timeout of the client's own (half a second by default): a
        // blocking read outlasts it by design, and the tail bounds its waits itself.
        let config = redis::AsyncConnectionConfig::new().set_response_timeout(None);
        within(
            &self.options,
            client.get_multiplexed_async_connection_with_config(&config),
        )
        .await
    }

    /// Runs one command on the shared connection, within [`Options::timeout`].
    pub(crate) async fn query<T: FromRedisValue>(
        &self,
        command: &redis::Cmd,
    ) -> Result<T, LogError> {
        let mut connection = self.connection.clone();
        within(&self.options, command.query_async(&mut connection)).await
    }

    pub fn options(&self) -> &Options {
        &self.options
    }

    async fn write(
        &self,
        stream: &str,
        ending: bool,
        id: Option<&str>,
        event: Option<&str>,
        data: ByteString,
    ) -> Result<String, LogError> {
        let keys = Keys::new(&self.options.prefix, stream);
        let mut call = APPEND.prepare_invoke();
        call.key(&keys.stream)
            .key(&keys.ids)
            .arg(self.options.max_len)
            .arg(self.options.expiry_millis())
            .arg(u8::from(ending))
            .arg(u8::from(id.is_some()))
            .arg(id.unwrap_or(""))
            .arg(u8::from(event.is_some()))
            .arg(event.unwrap_or(""))
            .arg(data.as_bytes().as_ref());
        let answer: Vec<String> = self.invoke(&call).await?;
        decode::appended(answer, id)
    }

    pub(crate) async fn read(&self, stream: &str, after: Option<&str>) -> Result<Replay, LogError> {
        let keys = Keys::new(&self.options.prefix, stream);
        let mut call = REPLAY.prepare_invoke();
        call.key(&keys.stream).key(&keys.ids);
        match after {
            None => call.arg("all"),
            // Never looked up, as `MemoryLog` does not: answered with the oldest id held.
            Some(after) if after.len() > MAX_ID_LEN => call.arg("oldest"),
            Some(after) => call.arg("after").arg(after),
        };
        let answer: RawReplay = self.invoke(&call).await?;
        decode::replay(answer)
    }

    async fn invoke<T: FromRedisValue>(&self, call: &ScriptInvocation<'_>) -> Result<T, LogError> {
        let mut connection = self.connection.clone();
        within(&self.options, call.invoke_async(&mut connection)).await
    }
}

/// Bounds a Redis call by [`Options::timeout`]: the connection's own timeouts do not
/// cover waiting for a reconnection in progress.
async fn within<T>(
    options: &Options,
    call: impl Future<Output = RedisResult<T>>,
) -> Result<T, LogError> {
    match tokio::time::timeout(options.timeout, call).await {
        Ok(answer) => answer.map_err(unavailable),
        Err(_) => Err(LogError::Unavailable(format!(
            "Redis did not answer within {:?}",
            options.timeout
        ))),
    }
}

fn unavailable(error: redis::RedisError) -> LogError {
    LogError::Unavailable(format!("Redis: {error}"))
}

impl fmt::Debug for RedisLog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Not the connection: its address may carry a password.
        f.debug_struct("RedisLog")
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl ReplayLog for RedisLog {
    fn append<'a>(
        &'a self,
        stream: &'a str,
        id: Option<&'a str>,
        event: Option<&'a str>,
        data: ByteString,
    ) -> BoxFuture<'a, Result<String, LogError>> {
        self.write(stream, false, id, event, data).boxed()
    }

    fn end<'a>(
        &'a self,
        stream: &'a str,
        id: Option<&'a str>,
        event: Option<&'a str>,
        data: ByteString,
    ) -> BoxFuture<'a, Result<String, LogError>> {
        self.write(stream, true, id, event, data).boxed()
    }

    fn replay<'a>(
        &'a self,
        stream: &'a str,
        after: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Replay, LogError>> {
        self.read(stream, after).boxed()
    }

    fn tail<'a>(
        &'a self,
        stream: &'a str,
        after: Option<&'a str>,
    ) -> BoxStream<'a, Result<Tailed, LogError>> {
        crate::tail::tail(self, stream, after)
    }
}
