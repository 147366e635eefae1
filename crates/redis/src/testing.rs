//! A real `redis-server` for tests (the `testing` feature): started on a free loopback
//! port, in a fresh directory, with no persistence, and killed when the test lets it go.
//! This crate's tests and the workspace's end-to-end tests share it.

use crate::{Options, RedisLog};
use std::io::{ErrorKind, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct RedisServer {
    child: Child,
    dir: PathBuf,
    port: u16,
}

impl RedisServer {
    /// A running server, or `None` when `redis-server` is not installed and this is not
    /// CI (which says so on stderr: a skipped test must not look like a passed one).
    ///
    /// # Panics
    ///
    /// Under `CI=true` when `redis-server` is missing, and whenever it does not start.
    pub fn start(test: &str) -> Option<RedisServer> {
        match Command::new("redis-server").arg("--version").output() {
            Ok(_) => {}
            Err(e) if e.kind() == ErrorKind::NotFound => {
                let why = "redis-server is not installed (apt-get install redis-server)";
                if std::env::var("CI").is_ok_and(|ci| ci == "true") {
                    panic!("{why}: CI must install it");
                }
                // Straight to stderr: libtest captures `eprintln!` of passing tests.
                let _ = writeln!(std::io::stderr(), "SKIPPED: {test}: {why}");
                return None;
            }
            Err(e) => panic!("cannot run redis-server: {e}"),
        }
        let port = free_port();
        let dir =
            std::env::temp_dir().join(format!("pushgen-redis-test-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a temporary directory for redis-server");
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(&dir)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("redis-server starts");
        let server = RedisServer { child, dir, port };
        server.wait_until_it_answers();
        Some(server)
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// A log on its own connection to this server, with a short timeout so that a test
    /// of an outage is quick.
    pub async fn log(&self, options: Options) -> RedisLog {
        RedisLog::connect(&self.url(), options)
            .await
            .expect("connects to the test's redis-server")
    }

    /// Stops the server at once, as a crash would.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    fn wait_until_it_answers(&self) {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            if self.answers_ping() {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "redis-server on port {} did not answer PING within 5 s",
                self.port
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn answers_ping(&self) -> bool {
        use std::io::Read;
        let Ok(mut socket) = TcpStream::connect(("127.0.0.1", self.port)) else {
            return false;
        };
        let _ = socket.set_read_timeout(Some(Duration::from_millis(500)));
        let mut answer = [0; 7];
        socket.write_all(b"PING\r\n").is_ok()
            && socket.read_exact(&mut answer).is_ok()
            && &answer == b"+PONG\r\n"
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A port nothing listens on now. Another process could take it before redis-server
/// does; then the server fails to start, loudly.
fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free loopback port");
    listener.local_addr().expect("its address").port()
}
