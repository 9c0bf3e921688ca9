//! `${VAR}` in compose values and `.env` files, with Compose's rules
//! (compose-go `template`): `$$` is a `$`, an unset variable is empty.

use std::collections::BTreeMap;

use yaml_rust2::Yaml;

type Env = BTreeMap<String, String>;

/// Every string value of `node` (not the keys) interpolated.
pub(super) fn node(node: &Yaml, env: &Env) -> Result<Yaml, String> {
    Ok(match node {
        Yaml::String(s) => Yaml::String(text(s, env)?),
        Yaml::Array(items) => Yaml::Array(
            items
                .iter()
                .map(|i| self::node(i, env))
                .collect::<Result<_, _>>()?,
        ),
        Yaml::Hash(h) => {
            let mut out = yaml_rust2::yaml::Hash::new();
            for (k, v) in h {
                out.insert(k.clone(), self::node(v, env)?);
            }
            Yaml::Hash(out)
        }
        other => other.clone(),
    })
}

fn is_name_start(c: char) -> bool {
    c == '_' || c.is_ascii_alphabetic()
}

fn is_name(c: char) -> bool {
    c == '_' || c.is_ascii_alphanumeric()
}

/// One string interpolated.
pub(super) fn text(s: &str, env: &Env) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = s;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        if let Some(r) = after.strip_prefix('$') {
            out.push('$');
            rest = r;
        } else if let Some(r) = after.strip_prefix('{') {
            let end = closing_brace(r).ok_or_else(|| {
                format!("invalid interpolation format for \"{s}\": no closing brace")
            })?;
            out.push_str(&braced(&r[..end], s, env)?);
            rest = &r[end + 1..];
        } else if after.starts_with(is_name_start) {
            let len = after.find(|c| !is_name(c)).unwrap_or(after.len());
            out.push_str(env.get(&after[..len]).map_or("", String::as_str));
            rest = &after[len..];
        } else {
            return Err(format!(
                "invalid interpolation format for \"{s}\": a lone `$` (write `$$` for a literal one)"
            ));
        }
    }
    out.push_str(rest);
    Ok(out)
}

/// The index of the `}` closing a `${`, nested ones skipped.
fn closing_brace(s: &str) -> Option<usize> {
    let mut depth = 0usize;
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'$' if bytes.get(i + 1) == Some(&b'{') => {
                depth += 1;
                i += 1;
            }
            b'}' if depth == 0 => return Some(i),
            b'}' => depth -= 1,
            _ => {}
        }
        i += 1;
    }
    None
}

/// The inside of `${…}`: `VAR`, `VAR:-d`, `VAR-d`, `VAR:?m`, `VAR?m`, `VAR:+r`, `VAR+r`.
fn braced(inner: &str, whole: &str, env: &Env) -> Result<String, String> {
    let len = inner.find(|c| !is_name(c)).unwrap_or(inner.len());
    let (name, op) = inner.split_at(len);
    if name.is_empty() || !name.starts_with(is_name_start) {
        return Err(format!("invalid interpolation format for \"{whole}\""));
    }
    let value = env.get(name);
    let set = value.is_some();
    let non_empty = value.is_some_and(|v| !v.is_empty());
    let value = value.cloned().unwrap_or_default();
    let (colon, op) = match op.strip_prefix(':') {
        Some(o) => (true, o),
        None => (false, op),
    };
    let present = if colon { non_empty } else { set };
    let Some(kind) = op.chars().next() else {
        return if colon {
            Err(format!("invalid interpolation format for \"{whole}\""))
        } else {
            Ok(value)
        };
    };
    let arg = &op[1..];
    match kind {
        '-' if present => Ok(value),
        '-' => text(arg, env),
        '+' if present => text(arg, env),
        '+' => Ok(String::new()),
        '?' if present => Ok(value),
        '?' => Err(format!(
            "required variable {name} is missing a value: {}",
            text(arg, env)?
        )),
        _ => Err(format!("invalid interpolation format for \"{whole}\"")),
    }
}

/// A `.env` file as Compose reads it: `K=V`, `export K=V`, `K: V`, quotes,
/// `#` comments; unquoted and double-quoted values see the earlier lines.
pub(super) fn dotenv(text: &str) -> Env {
    let mut vars = Env::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").map_or(line, str::trim_start);
        let Some(split) = line.find(['=', ':']) else {
            continue;
        };
        let key = line[..split].trim();
        if key.is_empty() || !key.chars().all(|c| is_name(c) || c == '.' || c == '-') {
            continue;
        }
        let raw = line[split + 1..].trim_start();
        let value = if let Some(r) = raw.strip_prefix('\'') {
            r.split_once('\'').map_or(r, |(v, _)| v).to_owned()
        } else if let Some(r) = raw.strip_prefix('"') {
            let v = unescape(r);
            self::text(&v.replace("$$", "\u{0}"), &vars)
                .unwrap_or(v)
                .replace('\u{0}', "$")
        } else {
            // An inline comment needs a space before its `#`.
            let v = raw.split(" #").next().unwrap_or(raw).trim_end();
            self::text(v, &vars).unwrap_or_else(|_| v.to_owned())
        };
        vars.insert(key.to_owned(), value);
    }
    vars
}

/// A double-quoted value up to its closing quote, `\n` `\t` `\"` `\\` decoded.
fn unescape(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => break,
            '\\' => match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some('r') => out.push('\r'),
                Some(o) => out.push(o),
                None => out.push('\\'),
            },
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env() -> Env {
        [("A", "1"), ("EMPTY", ""), ("IMG", "debian:12")]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect()
    }

    #[test]
    fn compose_interpolation_forms() {
        let e = env();
        for (input, want) in [
            ("${A}", "1"),
            ("$A-x", "1-x"),
            ("x${UNSET}y", "xy"),
            ("${UNSET:-d}", "d"),
            ("${EMPTY:-d}", "d"),
            ("${EMPTY-d}", ""),
            ("${UNSET-d}", "d"),
            ("${A:-d}", "1"),
            ("${A:+r}", "r"),
            ("${EMPTY:+r}", ""),
            ("$$A and $${A}", "$A and ${A}"),
            ("${UNSET:-${IMG}}", "debian:12"),
            ("${EMPTY?m}", ""),
            ("no dollars", "no dollars"),
        ] {
            assert_eq!(text(input, &e).as_deref(), Ok(want), "{input}");
        }
        let err = text("${UNSET:?set it}", &e).unwrap_err();
        assert_eq!(err, "required variable UNSET is missing a value: set it");
        assert!(text("${EMPTY:?m}", &e).is_err());
        assert!(text("${UNSET?m}", &e).is_err());
        assert!(text("a $ b", &e).is_err());
        assert!(text("${A", &e).is_err());
    }

    #[test]
    fn dotenv_syntax() {
        let vars = dotenv(
            "# comment\n\nA=1\nexport B = two words \nC='single $A # kept'\nD=\"dq \\\"x\\\" $A\\n\"\nE=plain # comment\nF: colon\nG=${A}${A}\nbad line\n",
        );
        let get = |k: &str| vars.get(k).map(String::as_str);
        assert_eq!(get("A"), Some("1"));
        assert_eq!(get("B"), Some("two words"));
        assert_eq!(get("C"), Some("single $A # kept"));
        assert_eq!(get("D"), Some("dq \"x\" 1\n"));
        assert_eq!(get("E"), Some("plain"));
        assert_eq!(get("F"), Some("colon"));
        assert_eq!(get("G"), Some("11"));
        assert_eq!(vars.len(), 7, "{vars:?}");
    }
}
