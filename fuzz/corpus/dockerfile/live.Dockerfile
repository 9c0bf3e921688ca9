# Built on the image scripts/build-test-images.sh imports into the local daemon.
FROM sdctr-test/bookworm-systemd
ENV container=docker
STOPSIGNAL SIGRTMIN+3
