//! Certificates for the TLS tests, made here by the openssl CLI: a CA and a
//! server and a client certificate signed by it, laid out as DOCKER_CERT_PATH
//! wants them (`ca.pem`, `cert.pem`, `key.pem`).

use std::path::{Path, PathBuf};
use std::process::Command;

/// `openssl ARGS` in `dir`, or the reason it failed.
pub fn openssl(dir: &Path, args: &[&str]) -> Result<(), String> {
    let o = Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .output()
        .map_err(|e| format!("openssl: {e}"))?;
    if o.status.success() {
        Ok(())
    } else {
        Err(format!(
            "openssl {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&o.stderr)
        ))
    }
}

/// A CA (`NAME/ca.pem`), and under `NAME/` a server certificate for
/// localhost and 127.0.0.1 (`server-*.pem`) and a client certificate
/// (`cert.pem`, its key in the traditional RSA form older docs make).
pub fn make_pki(root: &Path, name: &str) -> Result<PathBuf, String> {
    let dir = root.join(name);
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let ca_subj = format!("/CN=sdctr-test {name} CA");
    openssl(
        &dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            &ca_subj,
            "-keyout",
            "ca-key.pem",
            "-out",
            "ca.pem",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ],
    )?;
    for (who, cn, ext) in [
        (
            "server",
            "localhost",
            "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n",
        ),
        (
            "client",
            "sdctr-test client",
            "extendedKeyUsage=clientAuth\n",
        ),
    ] {
        std::fs::write(dir.join(format!("{who}.ext")), ext).map_err(|e| e.to_string())?;
        let subj = format!("/CN={cn}");
        openssl(
            &dir,
            &[
                "req",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-subj",
                &subj,
                "-keyout",
                &format!("{who}-key.pem"),
                "-out",
                &format!("{who}.csr"),
            ],
        )?;
        openssl(
            &dir,
            &[
                "x509",
                "-req",
                "-in",
                &format!("{who}.csr"),
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca-key.pem",
                "-set_serial",
                "2",
                "-days",
                "2",
                "-extfile",
                &format!("{who}.ext"),
                "-out",
                &format!("{who}-cert.pem"),
            ],
        )?;
    }
    std::fs::copy(dir.join("client-cert.pem"), dir.join("cert.pem")).map_err(|e| e.to_string())?;
    openssl(
        &dir,
        &[
            "rsa",
            "-in",
            "client-key.pem",
            "-traditional",
            "-out",
            "key.pem",
        ],
    )?;
    Ok(dir)
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
