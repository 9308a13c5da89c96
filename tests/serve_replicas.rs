//! `ferry serve` as stateless replicas behind nginx (Debian's package, installed by `make`),
//! with the committed example configuration `examples/deploy/nginx.conf` on test ports.
//! One replica is killed (SIGKILL) in the middle of a load run: every request must still
//! end in the same complete WAV, because nginx sends a request that failed on the dead
//! replica to the live one (`proxy_next_upstream ... non_idempotent`).

mod serve_support;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use serde_json::json;
use serve_support::{curl, post_json, write_voice, Server, VOICE};

/// nginx in the foreground with a configuration in `dir`, stopped when dropped.
struct Nginx {
    child: Child,
    dir: std::path::PathBuf,
}

impl Nginx {
    /// Runs `site` (the example, ports substituted) inside a main configuration that keeps
    /// every path in `dir`, and waits until it answers on `port`.
    fn start(dir: &Path, site: &str, port: u16) -> Nginx {
        let d = dir.display();
        let main = format!(
            "worker_processes 1;\npid {d}/nginx.pid;\nerror_log {d}/error.log warn;\nevents {{ worker_connections 256; }}\n\
             http {{\n  access_log off;\n  client_body_temp_path {d}/body;\n  proxy_temp_path {d}/proxy;\n  fastcgi_temp_path {d}/fastcgi;\n  \
             uwsgi_temp_path {d}/uwsgi;\n  scgi_temp_path {d}/scgi;\n  include {d}/site.conf;\n}}\n"
        );
        std::fs::write(dir.join("nginx.conf"), main).unwrap();
        std::fs::write(dir.join("site.conf"), site).unwrap();
        let nginx = ["/usr/sbin/nginx", "/usr/bin/nginx"]
            .into_iter()
            .find(|p| Path::new(p).is_file())
            .expect("nginx is not installed: run `make setup` (Debian package nginx)");
        let child = Command::new(nginx)
            .args(["-e", &format!("{d}/error.log"), "-p", &d.to_string(), "-c", &format!("{d}/nginx.conf"), "-g", "daemon off;"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start nginx");
        let mut n = Nginx { child, dir: dir.to_path_buf() };
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return n;
            }
            if let Ok(Some(status)) = n.child.try_wait() {
                panic!("nginx exited ({status}): {}", n.log());
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        panic!("nginx did not listen on {port}: {}", n.log());
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("error.log")).unwrap_or_default()
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port nothing listens on now.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn port_of(server: &Server) -> u16 {
    server.base.rsplit(':').next().unwrap().parse().unwrap()
}

/// Requests for /v1/audio/speech a replica's /metrics has counted with status 200.
fn served(server: &Server) -> f64 {
    let text = String::from_utf8(curl(&server.url("/metrics"), &[]).body).unwrap();
    text.lines()
        .filter(|l| l.starts_with("ferry_requests_total{") && l.contains("route=\"/v1/audio/speech\"") && l.contains("status=\"200\""))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

#[test]
fn a_replica_killed_under_load_loses_no_request() {
    let tmp = tempfile::tempdir().unwrap();
    let voices = write_voice(tmp.path());
    let mut a = Server::start(&voices, &["--quiet"], &[]);
    let b = Server::start(&voices, &["--quiet"], &[]);
    let port = free_port();
    let example = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/deploy/nginx.conf")).unwrap();
    for needle in ["127.0.0.1:5001", "127.0.0.1:5002", "listen 127.0.0.1:8080;"] {
        assert!(example.contains(needle), "examples/deploy/nginx.conf no longer has '{needle}'");
    }
    let site = example
        .replace("127.0.0.1:5001", &format!("127.0.0.1:{}", port_of(&a)))
        .replace("127.0.0.1:5002", &format!("127.0.0.1:{}", port_of(&b)))
        .replace("listen 127.0.0.1:8080;", &format!("listen 127.0.0.1:{port};"));
    let nginx_dir = tmp.path().join("nginx");
    std::fs::create_dir_all(&nginx_dir).unwrap();
    let nginx = Nginx::start(&nginx_dir, &site, port);

    let url = format!("http://127.0.0.1:{port}/v1/audio/speech");
    // Several sentences, so that a request is often mid-synthesis when the replica dies.
    let body = json!({"input": "One replica may fail. The other answers. Nothing is lost.", "voice": VOICE, "response_format": "wav", "seed": 7});
    let expected = post_json(&url, &body, &[]);
    assert_eq!(expected.status, 200, "{}\n{}", String::from_utf8_lossy(&expected.body), nginx.log());
    assert_eq!(&expected.body[..4], b"RIFF");

    const CLIENTS: usize = 6;
    const PER_CLIENT: usize = 20;
    let done = Arc::new(AtomicUsize::new(0));
    let results: Vec<(u16, bool)> = std::thread::scope(|s| {
        let clients: Vec<_> = (0..CLIENTS)
            .map(|_| {
                let (url, body, done, expected) = (&url, &body, done.clone(), &expected.body);
                s.spawn(move || {
                    (0..PER_CLIENT)
                        .map(|_| {
                            let r = post_json(url, body, &[]);
                            done.fetch_add(1, Ordering::SeqCst);
                            (r.status, &r.body == expected)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        // Kill replica A once a third of the requests are done, after both have served.
        while done.load(Ordering::SeqCst) < CLIENTS * PER_CLIENT / 3 {
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        let (served_a, served_b) = (served(&a), served(&b));
        assert!(served_a > 0.0 && served_b > 0.0, "nginx did not spread the load: {served_a} and {served_b}");
        a.kill();
        clients.into_iter().flat_map(|c| c.join().unwrap()).collect()
    });
    assert_eq!(results.len(), CLIENTS * PER_CLIENT);
    let failed: Vec<_> = results.iter().filter(|(status, same)| *status != 200 || !same).collect();
    assert!(failed.is_empty(), "{} of {} requests failed or came back different: {failed:?}\nnginx: {}", failed.len(), results.len(), nginx.log());
    // Replica B took over: it served the rest.
    assert!(served(&b) > 0.0);
    assert!(!a.alive());
}
