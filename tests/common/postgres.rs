//! A PostgreSQL of a test's own: `initdb` in a temporary folder, `postgres` on a free loopback
//! port, stopped, frozen and restarted at the test's will.
//!
//! Shared with the panel's tests, which include this file and `servers.rs`: nothing else of
//! `tests/common` here.
//!
//! Debian's packages put `initdb` and `postgres` in `/usr/lib/postgresql/<version>/bin`, off
//! the PATH: they are looked for there too. PostgreSQL refuses to run as root, so under root
//! both run as the `postgres` user the packages create (with `setpriv`).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use sigcookie::store::PostgresStore;

use super::servers::{free_port, server_folder, server_installed};

/// The programs, and how to run them.
pub struct Install {
    bin: PathBuf,
    /// Under root: the `postgres` user's `uid:gid`, which the programs run as.
    run_as: Option<(String, String)>,
}

impl Install {
    /// `initdb` and `postgres` on the PATH or in Debian's folder (the newest version there).
    fn find() -> Option<Install> {
        let on_path = std::env::var_os("PATH")
            .map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
            .unwrap_or_default();
        let mut debian: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
            .map(|dirs| dirs.flatten().map(|d| d.path().join("bin")).collect())
            .unwrap_or_default();
        debian.sort_by_key(|dir| {
            let version = dir.parent().and_then(Path::file_name);
            version.and_then(|v| v.to_str()?.parse::<u32>().ok())
        });
        let bin = on_path
            .into_iter()
            .chain(debian.into_iter().rev())
            .find(|dir| dir.join("initdb").is_file() && dir.join("postgres").is_file())?;
        let id = |args: &[&str]| {
            let out = Command::new("id").args(args).output().ok()?;
            out.status
                .success()
                .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
        };
        let run_as = if id(&["-u"]).as_deref() == Some("0") {
            Some((id(&["-u", "postgres"])?, id(&["-g", "postgres"])?))
        } else {
            None
        };
        Some(Install { bin, run_as })
    }

    /// `program` of the installation, as the user it must run as.
    fn command(&self, program: &str) -> Command {
        let program = self.bin.join(program);
        match &self.run_as {
            Some((uid, gid)) => {
                let mut command = Command::new("setpriv");
                command
                    .args(["--reuid", uid, "--regid", gid, "--clear-groups", "--"])
                    .arg(program);
                command
            }
            None => Command::new(program),
        }
    }
}

/// A PostgreSQL of the test's own; stopped, and its folder removed, when dropped.
pub struct Server {
    install: Install,
    child: Option<Child>,
    pub port: u16,
    pub dir: PathBuf,
}

impl Server {
    /// Makes a cluster and starts it, or `None` (the test skips) when PostgreSQL is not
    /// installed.
    pub fn start() -> Option<Server> {
        let install = Install::find();
        if !server_installed(
            "PostgreSQL (initdb and postgres, and a postgres user under root)",
            install.is_some(),
        ) {
            return None;
        }
        let install = install.expect("found");
        let dir = server_folder("postgres");
        if let Some((uid, gid)) = &install.run_as {
            let status = Command::new("chown")
                .arg(format!("{uid}:{gid}"))
                .arg(&dir)
                .status();
            assert!(status.expect("chown runs").success(), "chown the folder");
        }
        let init = install
            .command("initdb")
            .arg("-D")
            .arg(dir.join("data"))
            .args(["-U", "sigcookie", "--auth=trust", "-E", "UTF8", "--no-sync"])
            .output()
            .expect("initdb runs");
        assert!(
            init.status.success(),
            "initdb: {}",
            String::from_utf8_lossy(&init.stderr)
        );
        let mut server = Server {
            install,
            child: None,
            port: 0,
            dir,
        };
        // The port is free when asked for, but another process may take it before the server
        // binds it: then the server exits, and another port is tried.
        for _ in 0..5 {
            server.port = free_port();
            if server.spawn() {
                return Some(server);
            }
        }
        panic!("postgres did not start; see {}", server.dir.display());
    }

    /// Starts the server on its port and folder; whether it accepts connections.
    pub fn spawn(&mut self) -> bool {
        let log = std::fs::File::options()
            .create(true)
            .append(true)
            .open(self.dir.join("postgres.log"))
            .expect("log file");
        let child = self
            .install
            .command("postgres")
            .arg("-D")
            .arg(self.dir.join("data"))
            .args(["-p", &self.port.to_string()])
            .arg("-k")
            .arg(&self.dir)
            .args(["-c", "listen_addresses=127.0.0.1"])
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log file"))
            .stderr(log)
            .spawn()
            .expect("postgres starts");
        let params = self.params();
        let child = self.child.insert(child);
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if child.try_wait().expect("postgres status").is_some() {
                self.child = None;
                return false;
            }
            if postgres::Client::connect(&params, postgres::NoTls).is_ok() {
                return true;
            }
            thread::sleep(Duration::from_millis(50));
        }
        self.stop();
        false
    }

    /// Stops the server at once, as a crash would (SIGQUIT, "immediate shutdown": no
    /// checkpoint, and a recovery from the write-ahead log at the next start): what it
    /// acknowledged is in that log.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let pid = child.id().to_string();
            self.signal_all("-CONT");
            let _ = Command::new("kill").args(["-QUIT", &pid]).status();
            let _ = child.wait();
        }
    }

    /// Suspends the server and its backends (SIGSTOP): connections are still accepted, by the
    /// operating system, but nothing answers, as on a frozen host. `thaw` resumes them.
    pub fn freeze(&self) {
        self.signal_all("-STOP");
    }

    pub fn thaw(&self) {
        self.signal_all("-CONT");
    }

    /// Sends `signal` to the server and to its children, the backends, which are in sessions
    /// of their own: the server first, so that it forks no new one in between.
    fn signal_all(&self, signal: &str) {
        let Some(child) = &self.child else {
            return;
        };
        let server = child.id();
        let mut pids = vec![server];
        for entry in std::fs::read_dir("/proc").expect("/proc").flatten() {
            let stat = std::fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
            // `pid (name) state ppid ...`: the name may hold spaces, the fields after it do not.
            let parent = stat
                .rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().nth(1)?.parse::<u32>().ok());
            let pid = entry
                .file_name()
                .to_str()
                .and_then(|p| p.parse::<u32>().ok());
            if let (Some(pid), Some(parent)) = (pid, parent)
                && parent == server
            {
                pids.push(pid);
            }
        }
        let pids: Vec<String> = pids.iter().map(u32::to_string).collect();
        let _ = Command::new("kill").arg(signal).args(&pids).status();
    }

    pub fn params(&self) -> String {
        Server::params_at(self.port)
    }

    /// The connection string of a server on `port`: this one, or a proxy in front of it.
    pub fn params_at(port: u16) -> String {
        format!("host=127.0.0.1 port={port} user=sigcookie dbname=postgres connect_timeout=2")
    }

    /// An instance that gives up on the database soon: a 1 s connect timeout and resync
    /// interval.
    pub fn impatient_store(&self) -> PostgresStore {
        PostgresStore::builder(&self.params())
            .connect_timeout(Duration::from_secs(1))
            .resync_interval(Duration::from_secs(1))
            .build()
            .expect("store connects")
    }

    /// A direct connection, for reading and writing rows without the store.
    pub fn raw(&self) -> postgres::Client {
        postgres::Client::connect(&self.params(), postgres::NoTls).expect("raw connection")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
