#!/usr/bin/env bash
# A real SLURM cluster of one node on this machine, to try the cluster path (launcher=slurm, srun)
# without a cluster, and for the tests that need a scheduler (tests/cluster/test_local_slurm.py).
#
#   sudo scripts/local_slurm.sh start    # installs slurm-wlm and munge where missing (apt), starts
#                                        # munged, slurmctld and slurmd, waits until the node is idle
#   export SLURM_CONF=/tmp/plugboard-slurm/slurm.conf   # start prints this; sbatch, squeue, ... read it
#   sudo scripts/local_slurm.sh stop
#
# One partition `debug` with this machine's cores and most of its memory; no systemd, no cgroups
# (ProctrackType=proctrack/linuxproc, TaskPlugin=task/none), so it runs in a container as root.
# No accounting database: `sacct` answers nothing, so submitit reads job states from squeue.
# PLUGBOARD_SLURM_DIR moves its config, state and logs (default: /tmp/plugboard-slurm).
set -euo pipefail

DIR="${PLUGBOARD_SLURM_DIR:-/tmp/plugboard-slurm}"
CONF="$DIR/slurm.conf"
WAIT_S=60

die() { echo "local_slurm.sh: $*" >&2; exit 1; }

install_missing() {
    command -v slurmctld >/dev/null && command -v slurmd >/dev/null && command -v munged >/dev/null && return
    [ "$(id -u)" = 0 ] || die "slurm-wlm and munge are missing, and installing them needs root"
    command -v apt-get >/dev/null || die "slurm-wlm and munge are missing, and there is no apt-get here"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge >/dev/null
}

write_config() {
    local node cpus memory
    node="$(hostname -s)"
    cpus="$(nproc)"
    memory="$(awk '/MemTotal/ {print int($2 / 1024 * 0.8)}' /proc/meminfo)"
    mkdir -p "$DIR/state" "$DIR/spool" "$DIR/log"
    cat >"$CONF" <<EOF
ClusterName=plugboard
SlurmctldHost=$node
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU_Memory
MpiDefault=none
ReturnToService=2
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/slurmctld.pid
SlurmdPidFile=$DIR/slurmd.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
SchedulerParameters=defer_batch
SchedulerTimeSlice=5
MinJobAge=300
NodeName=$node CPUs=$cpus RealMemory=$memory State=UNKNOWN
PartitionName=debug Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF
}

start() {
    install_missing
    [ "$(id -u)" = 0 ] || die "starting slurmd needs root (it runs each job as its user)"
    write_config
    mkdir -p /run/munge /var/log/munge /var/lib/munge
    chown munge:munge /run/munge /var/log/munge /var/lib/munge 2>/dev/null || true
    [ -s /etc/munge/munge.key ] || { mkdir -p /etc/munge; dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key 2>/dev/null; }
    chown munge:munge /etc/munge/munge.key && chmod 400 /etc/munge/munge.key
    pgrep -x munged >/dev/null || runuser -u munge -- munged
    export SLURM_CONF="$CONF"
    pgrep -x slurmctld >/dev/null || slurmctld -f "$CONF"
    pgrep -x slurmd >/dev/null || slurmd -f "$CONF"
    local waited=0
    until sinfo -h -o %t 2>/dev/null | grep -qx idle; do
        sleep 1
        waited=$((waited + 1))
        [ "$waited" -lt "$WAIT_S" ] || die "the node is not idle after ${WAIT_S} s: $(sinfo -h -o '%t %E' 2>&1); see $DIR/log"
    done
    echo "A one-node SLURM runs here. export SLURM_CONF=$CONF"
}

stop() {
    pkill -x slurmd || true
    pkill -x slurmctld || true
    local waited=0
    while { pgrep -x slurmd || pgrep -x slurmctld; } >/dev/null && [ "$waited" -lt 20 ]; do sleep 0.5; waited=$((waited + 1)); done
    rm -rf "$DIR/state" "$DIR/spool"
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    *) die "usage: $0 start|stop" ;;
esac
