//! All I/O lives here: host files through a root directory, the Docker
//! Engine API, images through the daemon, and `capture`. Probes never decide
//! pass or fail.

pub(crate) mod bounded;
pub mod bundle;
pub(crate) mod capture;
pub mod docker;
pub(crate) mod host;
pub mod image;
pub(crate) mod root;
pub(crate) mod systemd_lib;

use crate::facts::Facts;
use root::HostRoot;

/// Host, daemon and every image at once: one thread each, so a run costs
/// about what the slowest answer costs; all end by `opts.deadline`.
pub fn probe_with_images(
    root: &HostRoot,
    opts: &docker::Options,
    images: &[String],
    reader: docker::image::Reader,
) -> Facts {
    std::thread::scope(|s| {
        let host = s.spawn(|| host::probe(root));
        let endpoint = if images.is_empty() {
            Err(String::new())
        } else {
            docker::endpoint(opts)
        };
        let images: Vec<_> = images
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let ep = endpoint.clone();
                let rec = opts
                    .record
                    .clone()
                    .map(|rec| bundle::image::ImageRecord::new(rec, i));
                s.spawn(move || {
                    let bound = (opts.deadline, opts.timeout);
                    docker::image::probe_recorded(r, ep, bound, reader, rec.as_ref())
                })
            })
            .collect();
        let (docker, docker_probe) = docker::probe(opts);
        let images = images.into_iter().map(join).collect();
        docker::scratch_container::wait_if_terminating();
        Facts {
            host: join(host),
            docker,
            docker_probe: Some(docker_probe),
            container: None,
            run: None,
            images,
            dockerfile: None,
        }
    })
}

/// This machine's hostname (for redaction: it is in no fact, but log
/// lines and daemon errors can echo it).
pub(crate) fn hostname() -> Option<String> {
    let h = nix::unistd::gethostname().ok()?;
    Some(h.to_string_lossy().into_owned()).filter(|h| !h.is_empty())
}

fn join<T>(h: std::thread::ScopedJoinHandle<'_, T>) -> T {
    h.join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}
