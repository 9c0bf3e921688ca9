//! Development aid: the image facts of a root tarball (no daemon needed for the
//! files), with the config from `docker image inspect` on stdin.
//!
//!     docker image inspect sdctr-test/bookworm-systemd |
//!       cargo run -q --example image-facts -- sdctr-test/bookworm-systemd \
//!         /var/cache/sdctr-doctor/images/bookworm-systemd.tar

use std::io::{BufReader, Read};

use sdctr_doctor::probe::image::{analyze, ImageInspect, TarFiles};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [reference, tarball] = args.as_slice() else {
        eprintln!("usage: image-facts REF TARBALL < inspect.json");
        std::process::exit(2);
    };
    let run = || -> Result<String, String> {
        let mut json = String::new();
        std::io::stdin()
            .read_to_string(&mut json)
            .map_err(|e| e.to_string())?;
        let inspect = ImageInspect::from_json(&json)?;
        let file = std::fs::File::open(tarball).map_err(|e| format!("{tarball}: {e}"))?;
        let files = TarFiles::new(BufReader::new(file)).map_err(|e| e.to_string())?;
        let facts = analyze(reference, &inspect, &files);
        serde_json::to_string_pretty(&facts).map_err(|e| e.to_string())
    };
    match run() {
        Ok(out) => println!("{out}"),
        Err(e) => {
            eprintln!("image-facts: {e}");
            std::process::exit(2);
        }
    }
}
