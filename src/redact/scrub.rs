//! Patterns redacted wherever they occur in any text: IP addresses, user
//! names in home paths, credentials in URLs. Each replacement is a fixed
//! point (a second pass changes nothing).

use std::sync::LazyLock;

use regex::{Captures, Regex};

use super::{HOST, IP, REDACTED, USER};

/// IPv4 not inside a longer dotted number or a version (`5.15.153.1-microsoft`).
static IPV4: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(^|[^0-9A-Za-z_.])((?:(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9]))([^0-9A-Za-z_.-]|\.[^0-9]|\.$|$)")
        .expect("ipv4 pattern")
});

/// IPv6 in the forms people and daemons write: with `::` (two groups at
/// least, so `0::/` of /proc/self/cgroup is not one) or all eight groups.
static IPV6: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(^|[^0-9A-Za-z_:])((?:[0-9a-fA-F]{1,4}:){7}[0-9a-fA-F]{1,4}|(?:[0-9a-fA-F]{1,4}:){1,6}(?::[0-9a-fA-F]{1,4}){1,6}|(?:[0-9a-fA-F]{1,4}:){2,7}:|::(?:[0-9a-fA-F]{1,4}:){0,5}[0-9a-fA-F]{1,4}(?::[0-9a-fA-F]{1,4})+)(/[0-9]{1,3})?($|[^0-9A-Za-z_:])")
        .expect("ipv6 pattern")
});

/// A user's home directory: `/home/NAME`, `/Users/NAME`, `C:\Users\NAME`
/// (either slash). `/var/home/NAME` is covered by `/home/`; a name already
/// replaced as another secret (`-l owner=alice`) becomes `<user>` too.
static HOME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(/home/|/Users/|[A-Za-z]:[\\/]+Users[\\/]+)(<redacted[^>]*>|[^/\\\s"':;,<>]+)"#)
        .expect("home pattern")
});

/// `scheme://user[:password]@`: the credentials part of a URL.
static URL_USERINFO: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"([A-Za-z][A-Za-z0-9+.-]*://)([^/\s@<>]+|<redacted>)@").expect("url pattern")
});

/// Every pattern above, replaced.
pub(super) fn patterns(s: &str) -> String {
    let s = URL_USERINFO.replace_all(s, |c: &Captures| format!("{}{REDACTED}@", &c[1]));
    let s = HOME.replace_all(&s, |c: &Captures| format!("{}{USER}", &c[1]));
    let s = replace_ipv4(&s);
    let s = IPV6.replace_all(&s, |c: &Captures| {
        let cidr = c.get(3).map_or("", |m| m.as_str());
        format!("{}{IP}{cidr}{}", &c[1], &c[4])
    });
    s.into_owned()
}

/// The IPv4 pattern consumes the character after an address, so two
/// addresses one character apart need a second round.
fn replace_ipv4(s: &str) -> String {
    let mut out = s.to_owned();
    for _ in 0..4 {
        let next = IPV4
            .replace_all(&out, |c: &Captures| format!("{}{IP}{}", &c[1], &c[3]))
            .into_owned();
        if next == out {
            break;
        }
        out = next;
    }
    out
}

/// A URL with its credentials and host redacted, scheme, port and path kept:
/// `http://user:pw@proxy.corp:3128` → `http://<redacted>@<redacted:host>:3128`.
/// Text that is not a URL (a bare `host:port`) has its host redacted too.
pub(super) fn url(s: &str) -> String {
    let (scheme, rest) = match s.split_once("://") {
        Some((sch, rest)) => (format!("{sch}://"), rest),
        None => (String::new(), s),
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let (userinfo, hostport) = match authority.rsplit_once('@') {
        Some((_, hp)) => (format!("{REDACTED}@"), hp),
        None => (String::new(), authority),
    };
    if hostport.is_empty() {
        return format!("{scheme}{userinfo}{}", patterns(path));
    }
    let port = port_of(hostport);
    format!("{scheme}{userinfo}{HOST}{port}{}", patterns(path))
}

/// `:PORT` of `host:port` or `[v6]:port`, or nothing.
fn port_of(hostport: &str) -> &str {
    let after_host = match hostport.strip_prefix('[') {
        _ if hostport.starts_with(HOST) => &hostport[HOST.len()..],
        Some(r) => r.find(']').map(|i| &r[i + 1..]).unwrap_or(""),
        None if hostport.matches(':').count() == 1 => {
            &hostport[hostport.find(':').unwrap_or(hostport.len())..]
        }
        None => "",
    };
    if after_host.len() > 1 && after_host[1..].bytes().all(|b| b.is_ascii_digit()) {
        after_host
    } else {
        ""
    }
}
