#!/usr/bin/env bash
# A throwaway single-node SLURM cluster (slurmctld + slurmd + munge) living in one folder, for tests and for
# trying slurm/stage.sbatch on one machine. Needs root and Debian's packages:
#   apt-get install --no-install-recommends slurmctld slurmd slurm-client munge
#
#   tests/helpers/slurm_cluster.sh start DIR    # then: export SLURM_CONF=DIR/slurm.conf; sbatch ...
#   tests/helpers/slurm_cluster.sh stop DIR
#
# Everything (config, munge key and socket, state, logs, pid files) stays in DIR; the system's SLURM and
# munge configuration is not touched. Ports are picked free.
set -euo pipefail
CMD=${1:?usage: slurm_cluster.sh start|stop DIR}
DIR=$(realpath -m "${2:?usage: slurm_cluster.sh start|stop DIR}")

stop() {
  # jobs first: their slurmstepd would outlive slurmd
  if [[ -f "$DIR/slurmctld.pid" ]]; then
    SLURM_CONF=$DIR/slurm.conf scancel --user="$(id -un)" 2> /dev/null && sleep 1 || true
  fi
  for name in slurmd slurmctld munged; do
    if [[ -f "$DIR/$name.pid" ]]; then
      kill "$(cat "$DIR/$name.pid")" 2>/dev/null || true
      rm -f "$DIR/$name.pid"
    fi
  done
}

if [[ "$CMD" == stop ]]; then stop; exit 0; fi
[[ "$CMD" == start ]] || { echo "error: unknown command $CMD (start or stop)" >&2; exit 2; }
for tool in slurmctld slurmd munged sbatch; do
  command -v "$tool" > /dev/null || { echo "error: $tool not installed (apt-get install slurmctld slurmd slurm-client munge)" >&2; exit 3; }
done
[[ $(id -u) == 0 ]] || { echo "error: a test SLURM needs root (slurmd starts jobs as their user)" >&2; exit 3; }

mkdir -p "$DIR/state" "$DIR/spool" "$DIR/munge"
chmod 700 "$DIR" "$DIR/munge"
# munge: a fresh key, its socket in DIR (root must force it to start)
head -c 1024 /dev/urandom > "$DIR/munge/munge.key"
chmod 400 "$DIR/munge/munge.key"
munged --force --key-file="$DIR/munge/munge.key" --socket="$DIR/munge/munge.socket" \
  --pid-file="$DIR/munged.pid" --log-file="$DIR/munged.log" --seed-file="$DIR/munge/munge.seed"

read -r CTLD_PORT SLURMD_PORT < <("${PYTHON:-python3}" -c '
import socket
socks = [socket.socket() for _ in range(2)]
for s in socks: s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in socks])')
HOST=$(hostname -s)
NODE=$(slurmd -C | head -n 1)   # NodeName=<host> CPUs=... RealMemory=... as slurmd sees this machine
cat > "$DIR/slurm.conf" <<CONF
ClusterName=r1zero-test
SlurmctldHost=$HOST(127.0.0.1)
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
AuthType=auth/munge
AuthInfo=socket=$DIR/munge/munge.socket
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/slurmctld.pid
SlurmdPidFile=$DIR/slurmd.pid
SlurmctldLogFile=$DIR/slurmctld.log
SlurmdLogFile=$DIR/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
MpiDefault=none
ReturnToService=2
MinJobAge=600
$NODE NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF=$DIR/slurm.conf
slurmctld -f "$SLURM_CONF"
slurmd -f "$SLURM_CONF"
for _ in $(seq 60); do
  if [[ "$(sinfo -h -o %T 2>/dev/null)" == idle ]]; then echo "export SLURM_CONF=$SLURM_CONF"; exit 0; fi
  sleep 0.5
done
echo "error: the test SLURM did not come up in 30 s; see $DIR/slurmctld.log and $DIR/slurmd.log" >&2
stop
exit 1
