#!/usr/bin/env bash
# What podman and buildah need on a machine like CI's (a VM whose root lacks CAP_SYS_RESOURCE, with a
# hybrid cgroup hierarchy). Sourced, it sets ENGINE_RUNTIME and ENGINE_ULIMITS (an array of
# --ulimit values); run, it prints them, one `runtime PATH` or `ulimit VALUE` a line
# (test/agent/image.test.ts reads that).
#
# - Without CAP_SYS_RESOURCE the engine's default rlimits (nofile 1048576) exceed the hard ones and the
#   runtime fails with "setrlimit `RLIMIT_NOFILE`: Operation not permitted": ask for the hard ones
#   (podman itself caps nproc at pid_max). Elsewhere nothing is set.
# - crun refuses a hybrid cgroup hierarchy with controllers on cgroup v2 ("cgroups in hybrid mode
#   not supported"); runc handles it, so it is used where installed. HSMWATCH_OCI_RUNTIME picks one.
ENGINE_RUNTIME=${HSMWATCH_OCI_RUNTIME:-$(command -v runc || true)}
ENGINE_ULIMITS=()
cap_eff=$(awk '/^CapEff:/ { print $2 }' /proc/self/status)
if (((0x$cap_eff >> 24 & 1) == 0)); then
  nofile=$(ulimit -Hn)
  nproc=$(ulimit -Hu)
  pid_max=$(cat /proc/sys/kernel/pid_max)
  { [ "$nofile" = unlimited ] || [ "$nofile" -gt 1048576 ]; } && nofile=1048576
  { [ "$nproc" = unlimited ] || [ "$nproc" -gt "$pid_max" ]; } && nproc=$pid_max
  ENGINE_ULIMITS=("nofile=$nofile:$nofile" "nproc=$nproc:$nproc")
fi

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  [ -n "$ENGINE_RUNTIME" ] && echo "runtime $ENGINE_RUNTIME"
  for u in "${ENGINE_ULIMITS[@]}"; do echo "ulimit $u"; done
fi
true
