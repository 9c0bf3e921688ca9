//! Known systemd boot failures: a log line → its cause and the fix that worked.

pub(crate) mod systemd_logs;
