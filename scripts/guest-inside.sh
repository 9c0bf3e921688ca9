#!/bin/bash
# Runs inside a lab guest (see scripts/guest-matrix.sh): the doctor live on the guest's host and
# daemon, its timing against `docker info`, and the truth matrix. Results go to /lab/out.
out=/lab/out; mkdir -p $out
export NO_COLOR=1
D=/lab/sdctr-doctor
# The truth-matrix binary runs the debug doctor from the path it was built with.
bin_dir=$(cat /lab/doctor-bin-dir); mkdir -p "$bin_dir"; cp /lab/sdctr-doctor-debug "$bin_dir/sdctr-doctor"
{ uname -r; cat /etc/debian_version; systemctl --version | head -1; docker version --format 'docker {{.Server.Version}} API {{.Server.APIVersion}}'; } > $out/host.txt 2>&1
docker info > $out/docker-info.txt 2>&1
cat /proc/self/mountinfo > $out/mountinfo.txt
systemctl show docker.socket -p ActiveState > $out/docker-socket.txt 2>&1
timeout 60 $D --color never > $out/default.txt 2>&1; echo "exit $?" >> $out/default.txt
timeout 60 $D --json > $out/default.json 2>$out/default.err
timeout 60 $D capture $out/capture > /dev/null 2>&1
for img in bookworm-systemd trixie-systemd bullseye-systemd bookworm-nosystemd; do
  for r in layers archive; do
    timeout 120 $D --color never --timeout 60 --only image --image sdctr-test/$img --image-reader $r > $out/image-$img-$r.txt 2>&1
    echo "exit $?" >> $out/image-$img-$r.txt
  done
done
timeout 60 $D --color never lint -- docker run -d --tmpfs /tmp --tmpfs /run -v /sys/fs/cgroup:/sys/fs/cgroup:ro sdctr-test/bookworm-systemd > $out/lint-v1-recipe.txt 2>&1
timeout 60 $D --color never lint -- docker run -d --tmpfs /tmp --tmpfs /run --privileged sdctr-test/bookworm-systemd > $out/lint-v2-recipe.txt 2>&1
# Timing: 20 runs each, wall clock in ms.
t() { local s e; s=$(date +%s%N); "$@" >/dev/null 2>&1; e=$(date +%s%N); echo $(( (e - s) / 1000000 )); }
for i in $(seq 20); do echo "doctor $(t $D --json) info $(t docker info) version $(t docker version) nodocker $(t $D --json --no-docker) debug $(t /lab/sdctr-doctor-debug --json)"; done > $out/timing.txt
# The truth matrix, as tests/truth_matrix.rs runs it here (boot bound raised for emulation).
images=$(cat /lab/matrix-images 2>/dev/null || true)
CI=true SDCTR_BOOT_BOUND=${BOOT_BOUND:-120} SDCTR_MATRIX_IMAGES=$images CARGO_TARGET_DIR=$out \
  timeout 4000 /lab/truth_matrix doctor_predicts_every_cell --nocapture > $out/truth-matrix.log 2>&1
echo "truth matrix exit $?" >> $out/truth-matrix.log
docker ps -a > $out/docker-ps-after.txt 2>&1
