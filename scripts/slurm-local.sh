#!/usr/bin/env bash
# Starts a one-node Slurm cluster on this machine (for `mxflow batch engine=slurm`
# tests and trials). Installs nothing: needs Debian's slurm-wlm and munge. Run as
# root. Writes /etc/slurm/slurm.conf for localhost (this machine's CPUs and memory,
# no cgroups: proctrack/linuxproc, task/none), creates a munge key if there is
# none, starts munged, slurmctld and slurmd, and waits until sinfo shows the node
# idle. Safe to run again: daemons already answering are left alone.
#   scripts/slurm-local.sh          # start (or check) the cluster
#   scripts/slurm-local.sh stop     # stop the daemons it started
set -euo pipefail

conf_dir=/etc/slurm
conf=$conf_dir/slurm.conf
marker="# written by mxflow scripts/slurm-local.sh"
log_dir=/var/log/slurm
wait_s=${SLURM_LOCAL_WAIT:-60}

die() { echo "slurm-local: $*" >&2; exit 1; }

if [ "${1:-}" = stop ]; then
  for d in slurmd slurmctld; do
    [ -f /run/$d.pid ] && kill "$(cat /run/$d.pid)" 2>/dev/null || true
  done
  exit 0
fi

for c in slurmctld slurmd munged sinfo sbatch; do
  command -v "$c" >/dev/null || die "'$c' not found: install Debian's slurm-wlm and munge (apt-get install slurm-wlm munge)"
done
[ "$(id -u)" -eq 0 ] || die "run as root (it writes $conf and starts daemons)"

node_idle() { sinfo -h -N -o '%T' 2>/dev/null | grep -qE '^(idle|mixed|allocated)'; }
if node_idle; then echo "slurm-local: Slurm already answers; node $(sinfo -h -N -o '%N %T')"; exit 0; fi

# munge: a key (mungekey, or 1 KiB of random bytes for older munge) and the daemon.
if [ ! -s /etc/munge/munge.key ]; then
  mkdir -p /etc/munge
  if command -v mungekey >/dev/null; then mungekey --create --keyfile=/etc/munge/munge.key
  else dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key 2>/dev/null; fi
fi
munge_user=root
id munge >/dev/null 2>&1 && munge_user=munge
mkdir -p /run/munge /var/log/munge /var/lib/munge
chown "$munge_user" /etc/munge/munge.key /run/munge /var/log/munge /var/lib/munge
chmod 0400 /etc/munge/munge.key
chmod 0711 /run/munge
if ! munge -n >/dev/null 2>&1; then
  if [ "$munge_user" = munge ]; then runuser -u munge -- /usr/sbin/munged
  else /usr/sbin/munged --force; fi
  for _ in $(seq 50); do munge -n >/dev/null 2>&1 && break; sleep 0.1; done
  munge -n >/dev/null 2>&1 || die "munged did not start (see /var/log/munge/munged.log)"
fi

# slurm.conf for this machine: the node line from slurmd -C (CPUs, sockets,
# cores, threads, memory), less 5% memory for the system.
host=$(hostname -s)
node_line=$(slurmd -C | head -1)
mem=$(sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p' <<<"$node_line")
node_line=$(sed "s/RealMemory=[0-9]*/RealMemory=$((mem * 95 / 100))/; s/NodeName=[^ ]*/NodeName=$host/" <<<"$node_line")
if [ -f "$conf" ] && ! grep -q "$marker" "$conf"; then
  cp "$conf" "$conf.before-mxflow.$(date +%s)"
fi
mkdir -p "$conf_dir" "$log_dir" /var/spool/slurmctld /var/spool/slurmd
cat > "$conf" <<CONF
$marker
ClusterName=mxflow-local
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$log_dir/jobcomp.txt
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MinJobAge=600
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=$log_dir/slurmctld.log
SlurmdLogFile=$log_dir/slurmd.log
$node_line NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=batch Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF

# Restart the daemons so they read this configuration.
for d in slurmd slurmctld; do
  if [ -f /run/$d.pid ] && kill -0 "$(cat /run/$d.pid)" 2>/dev/null; then
    kill "$(cat /run/$d.pid)"; sleep 1
  fi
done
slurmctld || die "slurmctld did not start (see $log_dir/slurmctld.log)"
slurmd || die "slurmd did not start (see $log_dir/slurmd.log)"

for _ in $(seq $((wait_s * 2))); do
  if node_idle; then echo "slurm-local: node $(sinfo -h -N -o '%N %T %c CPUs %m MB') ready"; exit 0; fi
  state=$(sinfo -h -N -o '%T' 2>/dev/null || true)
  case "$state" in down*|drain*) scontrol update nodename="$host" state=resume 2>/dev/null || true ;; esac
  sleep 0.5
done
die "the node did not become idle within ${wait_s}s (sinfo: $(sinfo -N 2>&1 | tail -1)); see $log_dir/slurmctld.log and slurmd.log"
