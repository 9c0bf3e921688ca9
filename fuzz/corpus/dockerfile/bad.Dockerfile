# A systemd image with the usual mistakes: no STOPSIGNAL, a shell as the
# command, a non-root USER, and the v1-era VOLUME on /sys/fs/cgroup.
FROM debian:12 AS base
RUN apt-get update \
    && apt-get install -y --no-install-recommends systemd systemd-sysv \
    && rm -rf /var/lib/apt/lists/*

FROM base
RUN useradd --create-home app
USER app
VOLUME ["/sys/fs/cgroup"]
CMD ["bash"]
