//! Where each service and each of its keys is in the file's text, from the
//! YAML parser's event marks, so the fix can replace only those lines.

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

/// A service's place in its file: 0-based lines, end exclusive.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct ServiceSpan {
    /// The line of `name:`.
    pub(crate) start: usize,
    /// After its last key's last line (trailing blank lines and comments left out).
    pub(crate) end: usize,
    /// The column of `name:`.
    pub(crate) indent: usize,
    /// Each key as written: name, first line, end line.
    pub(crate) keys: Vec<KeySpan>,
    /// The column of its keys; `None` when it is not a block mapping.
    pub(crate) key_indent: Option<usize>,
    /// It has lines of its own: `services:` is a block mapping.
    pub(crate) own_lines: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct KeySpan {
    pub(crate) key: String,
    pub(crate) start: usize,
    pub(crate) end: usize,
}

#[derive(Default)]
struct Events(Vec<(Event, Marker)>);

impl MarkedEventReceiver for Events {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        self.0.push((ev, mark));
    }
}

/// The index after the node starting at `i`.
fn skip(ev: &[(Event, Marker)], mut i: usize) -> usize {
    let mut depth = 0i32;
    loop {
        match ev.get(i).map(|e| &e.0) {
            Some(Event::SequenceStart(..) | Event::MappingStart(..)) => depth += 1,
            Some(Event::SequenceEnd | Event::MappingEnd) => depth -= 1,
            None => return i,
            _ => {}
        }
        i += 1;
        if depth <= 0 {
            return i;
        }
    }
}

/// The keys of the mapping starting at `i`: (key, its mark, value start), and its end mark.
fn entries(ev: &[(Event, Marker)], i: usize) -> (Vec<(String, Marker, usize)>, Option<Marker>) {
    let mut out = Vec::new();
    if !matches!(ev.get(i).map(|e| &e.0), Some(Event::MappingStart(..))) {
        return (out, None);
    }
    let mut j = i + 1;
    while let Some((e, m)) = ev.get(j) {
        match e {
            Event::MappingEnd => return (out, Some(*m)),
            Event::Scalar(k, ..) => {
                out.push((k.clone(), *m, j + 1));
                j = skip(ev, j + 1);
            }
            _ => {
                // A complex key: skip it and its value.
                j = skip(ev, skip(ev, j));
            }
        }
    }
    (out, None)
}

/// Every service's span (the file parsed already, so errors do not occur).
pub(super) fn services(text: &str) -> Vec<(String, ServiceSpan)> {
    let mut events = Events::default();
    if Parser::new_from_str(text).load(&mut events, false).is_err() {
        return vec![];
    }
    let ev = &events.0;
    let Some(doc) = ev
        .iter()
        .position(|e| matches!(e.0, Event::MappingStart(..)))
    else {
        return vec![];
    };
    let lines: Vec<&str> = text.lines().collect();
    let (top, _) = entries(ev, doc);
    let Some((_, services_mark, at)) = top.into_iter().find(|(k, ..)| k == "services") else {
        return vec![];
    };
    let (svcs, svcs_end) = entries(ev, at);
    let mut out = Vec::new();
    for (n, (name, mark, value)) in svcs.iter().enumerate() {
        let next = svcs
            .get(n + 1)
            .map(|s| s.1.line() - 1)
            .or(svcs_end.map(|m| m.line().saturating_sub(1)))
            .unwrap_or(lines.len())
            .min(lines.len());
        let start = mark.line() - 1;
        let end = trim_end(&lines, start + 1, next.max(start + 1));
        let (keys, _) = entries(ev, *value);
        let key_indent = keys.first().map(|k| k.1.col());
        let block = keys.iter().all(|k| k.1.line() - 1 > start);
        let mut spans = Vec::new();
        for (i, (key, m, _)) in keys.iter().enumerate() {
            let k_start = m.line() - 1;
            let k_next = keys.get(i + 1).map_or(end, |k| k.1.line() - 1);
            spans.push(KeySpan {
                key: key.clone(),
                start: k_start,
                end: trim_end(&lines, k_start + 1, k_next.max(k_start + 1)),
            });
        }
        out.push((
            name.clone(),
            ServiceSpan {
                start,
                end,
                indent: mark.col(),
                keys: spans,
                key_indent: if block { key_indent } else { None },
                own_lines: mark.line() > services_mark.line()
                    && svcs.iter().filter(|s| s.1.line() == mark.line()).count() == 1,
            },
        ));
    }
    out
}

/// `end` moved up past blank lines and comments: they stay where they are
/// when the lines before them are replaced.
fn trim_end(lines: &[&str], min: usize, mut end: usize) -> usize {
    while end > min {
        let t = lines[end - 1].trim_start();
        if !(t.is_empty() || t.starts_with('#')) {
            break;
        }
        end -= 1;
    }
    end
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_of_services_and_keys() {
        let text = "x-common: &c\n  init: true\nservices:\n  # the first\n  web:\n    image: nginx\n    volumes:\n      - ./a:/a\n\n      - b:/b   # named\n    # about db\n  db:\n    image: redis\n    command: [\"redis-server\"]\n\n# trailing\n";
        let s = services(text);
        assert_eq!(s.len(), 2);
        let (name, web) = &s[0];
        assert_eq!(name, "web");
        assert_eq!((web.start, web.end, web.indent), (4, 10, 2));
        assert_eq!(web.key_indent, Some(4));
        let keys: Vec<_> = web
            .keys
            .iter()
            .map(|k| (k.key.as_str(), k.start, k.end))
            .collect();
        assert_eq!(keys, [("image", 5, 6), ("volumes", 6, 10)]);
        let (_, db) = &s[1];
        assert_eq!((db.start, db.end), (11, 14));
        assert_eq!(db.keys[1].key, "command");
        assert_eq!((db.keys[1].start, db.keys[1].end), (13, 14));
    }

    #[test]
    fn a_flow_service_has_no_key_indent() {
        let s = services("services:\n  web: {image: nginx}\n");
        assert_eq!(s[0].1.key_indent, None);
        assert!(s[0].1.own_lines);
        let flow = services("services: {a: {image: i}, b: {image: j}}\n");
        assert!(!flow[0].1.own_lines && !flow[1].1.own_lines);
        assert_eq!((s[0].1.start, s[0].1.end), (1, 2));
    }
}
