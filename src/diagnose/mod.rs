//! Known systemd boot failures: a log line → its cause and the fix that worked.

pub mod systemd_logs;
