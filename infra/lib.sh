# Shared by the scripts that start a local server for a command (sourced, not run).

# serve NAME STATE CMD...: starts CMD in the background, logging to STATE/NAME.log, and makes
# this script stop it (and remove the directory STATE) when it exits, whatever the reason.
# The process id is left in server_pid.
serve() {
  local name=$1 state=$2
  shift 2
  "$@" >"$state/$name.log" 2>&1 &
  server_pid=$!
  trap "kill $server_pid 2>/dev/null || true; wait $server_pid 2>/dev/null || true; rm -rf '$state'" EXIT
  trap 'exit 130' INT TERM
}

# wait_for NAME PID LOG CHECK...: runs CHECK until it succeeds (10 s at most); when the
# server's process PID has exited, or time is up, prints its LOG and fails.
wait_for() {
  local name=$1 pid=$2 log=$3
  shift 3
  for _ in $(seq 1 100); do
    "$@" 2>/dev/null && return 0
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "$name failed to start:" >&2
      cat "$log" >&2
      return 1
    fi
    sleep 0.1
  done
  echo "$name did not start within 10 s:" >&2
  cat "$log" >&2
  return 1
}

# listening PORT: whether something accepts connections on 127.0.0.1:PORT.
listening() {
  (echo > "/dev/tcp/127.0.0.1/$1") 2>/dev/null
}
