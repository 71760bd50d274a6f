/**
 * Joins the run's cgroups *before* exec: the shell writes its own pid into each cgroup.procs, then
 * execs prlimit → bwrap, so every process of the sandbox starts inside its limits (no window in
 * which a fork could escape them). The paths come through the environment, never the script text.
 */
export const CGROUP_SHIM =
  'IFS=:; for f in $MCPHUB_CGROUP_PROCS; do echo $$ > "$f" || exit 125; done; unset IFS MCPHUB_CGROUP_PROCS; exec "$@"';

/**
 * The same, in bash, first closing every inherited descriptor above the ones bwrap needs (0-2
 * stdio, 3 seccomp, 4 info, 5 block): bwrap passes open fds through to the sandbox, and a parent (a test
 * runner, an IDE) may leak pipes or sockets into us. dash cannot name fds above 9, hence bash.
 */
export const CGROUP_SHIM_BASH = `for fd in /proc/$$/fd/*; do n=\${fd##*/}; if [ "$n" -gt 5 ] 2>/dev/null; then eval "exec $n>&-"; fi; done; ${CGROUP_SHIM}`;
