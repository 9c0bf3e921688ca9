//! A compose service's or molecule platform's mapping as written: the
//! keys the run line leaves out (labels, extra hosts) still appear in the
//! corrected entry the report prints.

use super::{Redactor, HOST, KEEP_ENV, NAME};

impl Redactor {
    /// Learns the secrets of a compose service's or molecule platform's
    /// mapping as written: keys the run line leaves out (labels, extra hosts)
    /// still appear in the corrected entry the report prints.
    pub fn add_yaml(&mut self, node: &yaml_rust2::yaml::Hash) {
        use yaml_rust2::Yaml;
        let text = |y: &Yaml| match y {
            Yaml::String(s) | Yaml::Real(s) => Some(s.clone()),
            Yaml::Integer(i) => Some(i.to_string()),
            Yaml::Boolean(b) => Some(b.to_string()),
            _ => None,
        };
        // `K=V` list items or a `K: V` mapping, as `(K, V)`.
        let pairs = |y: &Yaml, sep: &[char]| -> Vec<(String, String)> {
            match y {
                Yaml::Hash(h) => h
                    .iter()
                    .filter_map(|(k, v)| Some((text(k)?, text(v).unwrap_or_default())))
                    .collect(),
                Yaml::Array(a) => a
                    .iter()
                    .filter_map(|i| {
                        let t = text(i)?;
                        let (k, v) = t.split_once(sep)?;
                        Some((k.to_owned(), v.to_owned()))
                    })
                    .collect(),
                other => text(other)
                    .and_then(|t| t.split_once(sep).map(|(k, v)| (k.into(), v.into())))
                    .into_iter()
                    .collect(),
            }
        };
        for (key, value) in node {
            let Some(key) = text(key) else { continue };
            match key.as_str() {
                "environment" | "env" | "labels" => {
                    for (k, v) in pairs(value, &['=']) {
                        let keep = key != "labels" && KEEP_ENV.contains(&k.as_str());
                        if !keep && !v.is_empty() {
                            self.assignment(&k, &v);
                        }
                    }
                }
                "extra_hosts" | "etc_hosts" => {
                    for (h, _) in pairs(value, &[':', '=']) {
                        self.secret(h.trim(), HOST);
                    }
                }
                "hostname" | "domainname" | "dns_search" => {
                    if let Some(v) = text(value) {
                        self.secret(&v, HOST);
                    }
                }
                "container_name" => {
                    if let Some(v) = text(value) {
                        self.secret(&v, NAME);
                    }
                }
                _ => {}
            }
        }
        self.sort();
    }
}
